// `paynotify trace` end to end: a payment driven through a retry, the dead-letter topic, a replay
// and an anomaly, then traced as an operator would, its JSON checked.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

#include "common/service/ids.hpp"
#include "tests/support/kafka_topic.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/pipeline.hpp"

namespace paynotify::testing {
namespace {

namespace json = boost::json;

std::string cli(Pipeline& p, const std::string& args) {
  const ShellRun run =
      run_shell(std::string(PAYNOTIFY_CLI_BIN) + " " + args + " --kafka-brokers " +
                kafka_brokers() + " --topic " + p.topic() + " 2>>" + p.log_dir() + "/cli.log");
  EXPECT_EQ(run.exit_code, 0) << args << "; logs in " << p.log_dir();
  return run.output;
}

std::vector<const json::object*> with(const json::array& list, std::string_view field,
                                      std::string_view value) {
  std::vector<const json::object*> out;
  for (const auto& v : list) {
    const auto* f = v.as_object().if_contains(field);
    if (f != nullptr && f->is_string() && f->get_string() == value) out.push_back(&v.as_object());
  }
  return out;
}

TEST(Trace, APaymentThroughRetryDeadLetterReplayAndAnAnomalyIsOneTimeline) {
  Pipeline p("trace");
  const std::string id = "pay-trace-" + random_hex(3);
  // The order service refuses the authorization for now: retried, then dead-lettered.
  p.control(R"({"rejectPaymentIds":[")" + id + R"("],"rejectStatus":503})");
  p.start_worker({"--retry-for", "3s"});
  ASSERT_EQ(p.ingest().send(payment_result_body(id)), 200u);
  ASSERT_EQ(read_topic(p.topic() + ".dlq", 1, std::chrono::seconds(60)).size(), 1u)
      << "logs in " << p.log_dir();
  p.control(R"({"rejectPaymentIds":[]})");
  cli(p, "replay --group trace-" + p.topic());
  // Two captures of the whole amount: an over-capture, CAPTURE_AMOUNT_MISMATCH.
  ASSERT_EQ(p.ingest().send(capture_result_body(id, "c1")), 200u);
  ASSERT_EQ(p.ingest().send(capture_result_body(id, "c2")), 200u);
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 3; }, std::chrono::seconds(60)))
      << "applied " << p.applied_count() << "; logs in " << p.log_dir();
  ASSERT_EQ(read_topic(p.topic() + ".anomalies", 1, std::chrono::seconds(30)).size(), 1u);

  const std::string out = cli(p, "trace --json --payment-id " + id + " --redis " + redis_address());
  const json::object t = json::parse(out).as_object();
  EXPECT_EQ(t.at("paymentId").as_string(), id);
  const auto& records = t.at("records").as_array();
  EXPECT_EQ(with(records, "role", "main").size(), 4u)
      << "the authorization, its replay, 2 captures";
  EXPECT_GE(with(records, "role", "retry").size(), 1u);
  const auto dead = with(records, "role", "dead-letter");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0]->at("errorClass").as_string(), "transient");
  EXPECT_NE(dead[0]->at("error").as_string().find("gave up after retrying for"), std::string::npos);
  const auto anomalies = with(records, "role", "anomaly");
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0]->at("kind").as_string(), "CAPTURE_AMOUNT_MISMATCH");
  const auto& evidence = with(records, "role", "main")[0]->at("evidence").as_object();
  EXPECT_EQ(evidence.at("clientId").as_string(), kClientId);
  EXPECT_EQ(evidence.at("keyVersion").as_string(), "1");
  EXPECT_FALSE(evidence.at("fromInquiry").as_bool());
  EXPECT_EQ(out.find("signature="), std::string::npos) << "no signature in a trace";

  const auto& events = t.at("events").as_array();
  ASSERT_EQ(events.size(), 3u);
  for (const auto& e : events) {
    EXPECT_EQ(e.at("state").as_string(), "done") << json::serialize(e);
    EXPECT_EQ(e.at("outcome").as_string(), "done") << json::serialize(e);
  }
  EXPECT_EQ(events[0].at("eventId").as_string(), "PAYMENT_RESULT:" + id + ":S");
  EXPECT_TRUE(t.at("parkedBehind").is_null());
  const auto& ledger = t.at("ledger").as_object();
  EXPECT_EQ(ledger.at("authorization").as_string(), "AUTHORIZED");
  EXPECT_EQ(ledger.at("captures").as_array().size(), 2u);

  // One event: its records only (and the payment's anomalies).
  const json::object one = json::parse(cli(p, "trace --json --event-id CAPTURE_RESULT:" + id +
                                                  ":c1:S --redis " + redis_address()))
                               .as_object();
  EXPECT_EQ(one.at("events").as_array().size(), 1u);
  EXPECT_EQ(with(one.at("records").as_array(), "role", "main").size(), 1u);
  // For a person: one line per record.
  const std::string text = cli(p, "trace --payment-id " + id + " --redis " + redis_address());
  EXPECT_NE(text.find("dead-letter"), std::string::npos) << text;
  EXPECT_NE(text.find("PAYMENT_RESULT:" + id + ":S  done"), std::string::npos) << text;
}

}  // namespace
}  // namespace paynotify::testing
