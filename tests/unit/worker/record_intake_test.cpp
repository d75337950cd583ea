// What a consumed record is to the worker before any command runs: its origin, its event or
// why it has none, the order call and whether the ledger follows it.
#include "worker/record_intake.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/antom/request_time.hpp"
#include "common/kafka/record_headers.hpp"
#include "common/service/ids.hpp"
#include "worker/payment_event.hpp"

#include "tests/support/notifications.hpp"

namespace paynotify::worker {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;
constexpr int64_t kDay = 86'400'000;

ConsumedMessage record(std::string body, RecordHeaders headers = {}) {
  return ConsumedMessage{"antom.notifications", 0, 7, "P1", std::move(body), std::move(headers)};
}

RecordHeaders signed_at(int64_t request_ms, int64_t received_ms) {
  return {{std::string(header::kRequestTime), iso8601_utc(request_ms)},
          {std::string(header::kReceivedAt), std::to_string(received_ms)}};
}

TEST(RecordIntake, AVerifiedEventBecomesItsCallAndFollowsTheLedger) {
  const RecordIntake in = take_in(record(testing::payment_result_body("P1"), signed_at(kNow, kNow)),
                                  false, std::nullopt, IntakeSettings{}, kNow);
  EXPECT_TRUE(in.derived.has_event);
  EXPECT_TRUE(in.derived.ledger);
  EXPECT_EQ(in.kind, "PAYMENT_RESULT");
  EXPECT_EQ(in.key.event_id, "PAYMENT_RESULT:P1:S");
  EXPECT_EQ(in.key.order_key, "P1");
  EXPECT_EQ(in.call->idempotency_key, in.key.event_id);
  EXPECT_TRUE(is_valid_traceparent(in.call->traceparent));  // a fresh one: the record had none
  EXPECT_NE(in.call->body.find(R"("type":"PAYMENT_AUTHORIZED")"), std::string::npos);
  ASSERT_TRUE(in.ledger_facts);
  EXPECT_EQ(in.ledger_facts->effect, LedgerEffect::authorize);
  EXPECT_EQ(in.received_at_ms, kNow);
  EXPECT_EQ(in.origin.source, Source::main_topic);
}

TEST(RecordIntake, TheLedgerFollowsOnlyWhenKeptAndOnlyEventsThatChangeIt) {
  const auto body = testing::payment_result_body("P1");
  EXPECT_FALSE(
      take_in(record(body), false, std::nullopt, IntakeSettings{0, false}, kNow).derived.ledger);
  const RecordIntake refund =
      take_in(record(testing::kRefundResultBody), false, std::nullopt, IntakeSettings{}, kNow);
  EXPECT_TRUE(refund.derived.has_event);
  EXPECT_FALSE(refund.derived.ledger);
  EXPECT_FALSE(refund.ledger_facts);
}

TEST(RecordIntake, ATraceparentFromTheIngestIsKept) {
  const std::string trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  RecordHeaders headers{{std::string(header::kTraceparent), trace}};
  EXPECT_EQ(take_in(record(testing::payment_result_body("P1"), headers), false, std::nullopt,
                    IntakeSettings{}, kNow)
                .call->traceparent,
            trace);
}

TEST(RecordIntake, EachRecordWithoutAnEventSaysItsClass) {
  const IntakeSettings settings{};
  const auto unsigned_in = take_in(record(testing::payment_result_body("P1")), false,
                                   std::string("no antom-signature header"), settings, kNow);
  EXPECT_EQ(unsigned_in.derived.why_not, ErrorClass::unsigned_record);
  EXPECT_EQ(unsigned_in.kind, "UNSIGNED");
  EXPECT_TRUE(unsigned_in.key.event_id.empty());  // the body was never read

  EXPECT_EQ(take_in(record("not json"), false, std::nullopt, settings, kNow).derived.why_not,
            ErrorClass::invalid_record);
  const auto vaulting =
      take_in(record(testing::kVaultingBody), false, std::nullopt, settings, kNow);
  EXPECT_EQ(vaulting.derived.why_not, ErrorClass::unsupported_kind);
  EXPECT_EQ(vaulting.kind, "VAULTING");
}

TEST(RecordIntake, AReplaySignedLongBeforeItsReceiptIsStaleAndDroppingReceivedAtHidesNothing) {
  const IntakeSettings settings{6 * kDay, true};
  const auto body = testing::payment_result_body("P1");
  const auto fresh =
      take_in(record(body, signed_at(kNow - kDay, kNow)), false, std::nullopt, settings, kNow);
  EXPECT_TRUE(fresh.derived.has_event);
  const auto stale =
      take_in(record(body, signed_at(kNow - 7 * kDay, kNow)), false, std::nullopt, settings, kNow);
  EXPECT_EQ(stale.derived.why_not, ErrorClass::stale);
  EXPECT_EQ(stale.key.event_id, "PAYMENT_RESULT:P1:S");  // named in the dead-letter log
  // Without received-at the record is judged by the time it is read.
  RecordHeaders no_receipt{{std::string(header::kRequestTime), iso8601_utc(kNow - 7 * kDay)}};
  EXPECT_EQ(take_in(record(body, no_receipt), false, std::nullopt, settings, kNow).derived.why_not,
            ErrorClass::stale);
}

TEST(RecordIntake, ARetryRecordCarriesItsRoundNotBeforeAndFirstFailureClamped) {
  RecordHeaders headers{{std::string(header::kAttempt), "3"},
                        {std::string(header::kNotBefore), std::to_string(kNow + 2000)},
                        {std::string(header::kFailingSince), std::to_string(kNow - kDay)}};
  const auto in = take_in(record(testing::payment_result_body("P1"), headers), true, std::nullopt,
                          IntakeSettings{}, kNow);
  EXPECT_EQ(in.origin.source, Source::retry_topic);
  EXPECT_EQ(in.origin.attempt, 3);
  EXPECT_EQ(in.origin.not_before_ms, kNow + 2000);
  EXPECT_EQ(in.origin.failing_since_ms, kNow - kDay);
  RecordHeaders garbled{{std::string(header::kAttempt), "-5"},
                        {std::string(header::kNotBefore), "soon"}};
  const auto odd = take_in(record(testing::payment_result_body("P1"), garbled), true, std::nullopt,
                           IntakeSettings{}, kNow);
  EXPECT_EQ(odd.origin.attempt, 1);
  EXPECT_EQ(odd.origin.not_before_ms, 0);
  // The same headers on the main topic mean nothing.
  EXPECT_EQ(take_in(record(testing::payment_result_body("P1"), headers), false, std::nullopt,
                    IntakeSettings{}, kNow)
                .origin.attempt,
            1);
}

}  // namespace
}  // namespace paynotify::worker
