// `paynotify trace`'s picture of a payment from what was read (cli/payment_trace.hpp): what each
// event's outcome is, from its latest record and its state in Redis.
#include "cli/payment_trace.hpp"

#include <gtest/gtest.h>

#include "common/kafka/record_headers.hpp"

#include "tests/support/notifications.hpp"

namespace paynotify::cli {
namespace {

const std::string kTopic = "antom.notifications";

ConsumedRecord record(const std::string& topic, int64_t offset, int64_t at_ms, std::string value,
                      std::map<std::string, std::string> headers = {}) {
  ConsumedRecord r;
  r.topic = topic;
  r.key = "P1";
  r.value = std::move(value);
  r.headers = std::move(headers);
  r.partition = 2;
  r.offset = offset;
  r.timestamp_ms = at_ms;
  return r;
}

std::string outcome(const boost::json::object& trace, std::string_view event_id) {
  for (const auto& e : trace.at("events").as_array()) {
    if (e.at("eventId").as_string() == event_id) return std::string(e.at("outcome").as_string());
  }
  return "absent";
}

TEST(PaymentTrace, EachEventsOutcomeComesFromItsStateThenItsLatestRecord) {
  using Is = worker::EventState::Is;
  const std::string auth = testing::payment_result_body("P1");
  const std::string capture = testing::capture_result_body("P1", "C1");
  const std::string refused = testing::capture_result_body("P1", "C2");
  const std::string waiting = testing::capture_result_body("P1", "C3");
  TraceInput in{"P1", kTopic, {}, {}, "", std::nullopt, std::nullopt};
  in.records = {
      record(kTopic, 1, 1000, auth),
      record(kTopic + ".retry", 5, 2000, auth,
             {{std::string(header::kAttempt), "2"},
              {std::string(header::kErrorClass), "transient"},
              {std::string(header::kError), "503"}}),
      record(kTopic, 2, 1500, capture),
      record(kTopic + ".dlq", 9, 3000, refused,
             {{std::string(header::kErrorClass), "permanent"},
              {std::string(header::kError), "422 unknown order"}}),
      record(kTopic, 3, 1200, refused),
      record(kTopic, 4, 4000, waiting),
      record(kTopic + ".anomalies", 0, 3500,
             R"({"anomalyId":"A1","kind":"CAPTURE_AMOUNT_MISMATCH","detail":"over"})"),
  };
  const auto ids = traced_event_ids(in);
  ASSERT_EQ(ids.size(), 4u);
  in.states[ids[1]] = {Is::claimed, "vm:1:abc", 3000};
  in.states["CAPTURE_RESULT:P1:C1:S"] = {Is::done, "", 600000};
  in.parked_behind = "PAYMENT_RESULT:P1:S";
  const auto t = payment_trace(in);
  EXPECT_EQ(outcome(t, "PAYMENT_RESULT:P1:S"), "retrying");
  EXPECT_EQ(outcome(t, "CAPTURE_RESULT:P1:C1:S"), "done");
  EXPECT_EQ(outcome(t, "CAPTURE_RESULT:P1:C2:S"), "dead-lettered");
  EXPECT_EQ(outcome(t, "CAPTURE_RESULT:P1:C3:S"), "waiting");
  // By time, the anomaly among them.
  const auto& records = t.at("records").as_array();
  ASSERT_EQ(records.size(), 7u);
  EXPECT_EQ(records[0].at("offset").as_int64(), 1);
  EXPECT_EQ(records[5].at("role").as_string(), "anomaly");
  EXPECT_EQ(t.at("parkedBehind").as_string(), "PAYMENT_RESULT:P1:S");
  EXPECT_FALSE(t.contains("ledger")) << "Redis not asked: no ledger";
  const std::string text = trace_text(t);
  EXPECT_NE(text.find("CAPTURE_AMOUNT_MISMATCH: over"), std::string::npos) << text;
  EXPECT_NE(text.find("attempt 2 transient: 503"), std::string::npos) << text;
}

}  // namespace
}  // namespace paynotify::cli
