// The payment ledger's rules, table by table: every anomaly in both arrival orders, re-sends,
// a capture id seen twice, the deadline watch's check, and the stored form.
#include "worker/payment_ledger.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/antom/request_time.hpp"

namespace paynotify::worker {
namespace {

namespace json = boost::json;

const std::string kPayment = "202611260001";
constexpr int64_t kHour = 3600 * 1000;
const int64_t kAuthorizedAt = *parse_request_time_ms("2026-11-20T10:00:00+00:00");

std::string amount(int64_t minor, const std::string& currency = "SGD") {
  return R"({"currency":")" + currency + R"(","value":")" + std::to_string(minor) + R"("})";
}

std::string authorized(int64_t minor, const std::string& extra = "") {
  return R"({"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"pr-1","paymentId":")" +
         kPayment + R"(","paymentAmount":)" + amount(minor) +
         R"(,"paymentCreateTime":"2026-11-20T10:00:00+00:00","paymentTime":"2026-11-20T10:00:00+00:00")" +
         extra + "}";
}

std::string authorization_failed() {
  return R"({"notifyType":"PAYMENT_RESULT","result":{"resultCode":"PROCESS_FAIL","resultStatus":"F","resultMessage":"declined"},"paymentRequestId":"pr-1","paymentId":")" +
         kPayment + R"(","paymentAmount":)" + amount(4200) +
         R"(,"paymentCreateTime":"2026-11-20T10:00:00+00:00"})";
}

std::string captured(const std::string& capture_id, int64_t minor,
                     const std::string& at = "2026-11-21T10:00:00+00:00",
                     const std::string& currency = "SGD") {
  return R"({"notifyType":"CAPTURE_RESULT","captureAmount":)" + amount(minor, currency) +
         R"(,"captureId":")" + capture_id + R"(","captureRequestId":"cr-)" + capture_id +
         R"(","captureTime":")" + at + R"(","paymentId":")" + kPayment +
         R"(","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"ok"}})";
}

std::string capture_failed(const std::string& capture_id) {
  return R"({"notifyType":"CAPTURE_RESULT","captureAmount":)" + amount(4200) + R"(,"captureId":")" +
         capture_id + R"(","captureRequestId":"cr-)" + capture_id + R"(","paymentId":")" +
         kPayment +
         R"(","result":{"resultCode":"PROCESS_FAIL","resultStatus":"F","resultMessage":"no"}})";
}

std::string amount_updated(int64_t minor) {
  return R"({"notifyType":"UPDATE_AMOUNT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"pr-1","paymentId":")" +
         kPayment + R"(","updateRequestId":"upd-)" + std::to_string(minor) +
         R"(","paymentAmount":)" + amount(minor) + "}";
}

std::string dispute(const std::string& type, const std::string& extra = "") {
  return R"({"paymentRequestId":"pr-1","disputeId":"D1","paymentId":")" + kPayment +
         R"(","disputeTime":"2026-11-26T10:00:00+08:00","disputeAmount":)" + amount(4200) +
         R"(,"disputeNotificationType":")" + type + R"(","disputeReasonMsg":"Fraud")" + extra + "}";
}

// Feeds bodies through derive_event and the ledger, as the worker will; returns every
// anomaly kind raised, in order.
struct Story {
  PaymentLedger ledger;
  std::vector<Anomaly> anomalies;
  Story& operator<<(const std::string& body) {
    const auto derived = derive_event(body, kAuthorizedAt + kHour);
    EXPECT_TRUE(derived.event.has_value()) << derived.error << " in " << body;
    auto step = apply_event(std::move(ledger), *derived.event, kAuthorizedAt + kHour);
    ledger = std::move(step.ledger);
    for (auto& a : step.anomalies) anomalies.push_back(std::move(a));
    return *this;
  }
  std::vector<std::string> kinds() const {
    std::vector<std::string> out;
    for (const auto& a : anomalies) out.emplace_back(anomaly_kind_name(a.kind));
    return out;
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& a : anomalies) out.push_back(a.id);
    std::sort(out.begin(), out.end());
    return out;
  }
};

using Kinds = std::vector<std::string>;

TEST(PaymentLedger, AnExactCaptureRaisesNothingInEitherOrder) {
  EXPECT_EQ((Story{} << authorized(4200) << captured("C1", 4200)).kinds(), Kinds{});
  EXPECT_EQ((Story{} << captured("C1", 4200) << authorized(4200)).kinds(), Kinds{});
}

TEST(PaymentLedger, CapturesAboveTheAuthorizedAmountAreAMismatchAtOnce) {
  Story r;
  r << authorized(4200) << captured("C1", 4200) << captured("C2", 100);
  EXPECT_EQ(r.kinds(), Kinds{"CAPTURE_AMOUNT_MISMATCH"});
  EXPECT_EQ(r.anomalies[0].figures.at("capturedTotal").at("value"), "4300");
  EXPECT_EQ(r.anomalies[0].caused_by.size(), 3u) << "the authorization and both captures";
}

TEST(PaymentLedger, ACaptureWhoseTotalDiffersIsAMismatchAndTheIdDoesNotDependOnArrivalOrder) {
  Story first, second;
  first << authorized(4200) << captured("C1", 4000);
  second << captured("C1", 4000) << authorized(4200);
  EXPECT_EQ(first.kinds(), Kinds{"CAPTURE_AMOUNT_MISMATCH"});
  EXPECT_EQ(first.ids(), second.ids());
}

TEST(PaymentLedger, ACaptureInAnotherCurrencyIsAMismatch) {
  Story r;
  r << authorized(4200) << captured("C1", 4200, "2026-11-21T10:00:00+00:00", "USD");
  EXPECT_EQ(r.kinds(), (Kinds{"CAPTURE_AMOUNT_MISMATCH", "CAPTURE_AMOUNT_MISMATCH"}))
      << "the currency, and 4200 USD is not 4200 SGD";
}

TEST(PaymentLedger, ACaptureOfAFailedAuthorizationInEitherOrder) {
  Story first, second;
  first << authorization_failed() << captured("C1", 4200);
  second << captured("C1", 4200) << authorization_failed();
  EXPECT_EQ(first.kinds(), Kinds{"CAPTURE_AFTER_FAILED_AUTHORIZATION"});
  EXPECT_EQ(first.ids(), second.ids());
}

TEST(PaymentLedger, ACaptureTimedAfterTheExpiryInEitherOrder) {
  const std::string late = "2026-11-27T10:00:01+00:00";  // 7 days and 1 s after paymentTime
  Story first, second, in_time;
  first << authorized(4200) << captured("C1", 4200, late);
  second << captured("C1", 4200, late) << authorized(4200);
  in_time << authorized(4200) << captured("C1", 4200, "2026-11-27T09:59:59+00:00");
  EXPECT_EQ(first.kinds(), Kinds{"CAPTURE_AFTER_EXPIRY"});
  EXPECT_EQ(first.ids(), second.ids());
  EXPECT_EQ(in_time.kinds(), Kinds{});
}

TEST(PaymentLedger, AuthExpiryTimeWhenAntomSendsItWinsOverSevenDays) {
  Story r;
  r << authorized(4200, R"(,"authExpiryTime":"2026-11-21T10:00:00+00:00")")
    << captured("C1", 4200, "2026-11-22T10:00:00+00:00");
  EXPECT_EQ(r.kinds(), Kinds{"CAPTURE_AFTER_EXPIRY"});
  EXPECT_EQ(r.ledger.expires_at_ms, kAuthorizedAt + 24 * kHour);
}

TEST(PaymentLedger, ReSendsAndACaptureIdSeenTwiceCountOnce) {
  Story r;
  r << authorized(4200) << captured("C1", 4200) << captured("C1", 4200) << authorized(4200);
  EXPECT_EQ(r.kinds(), Kinds{});
  EXPECT_EQ(r.ledger.captured_minor(), 4200);
  Story over;
  over << authorized(4200) << captured("C1", 4200) << captured("C2", 100) << captured("C2", 100);
  EXPECT_EQ(over.kinds(), Kinds{"CAPTURE_AMOUNT_MISMATCH"}) << "raised once, not per re-send";
}

TEST(PaymentLedger, AnAmountUpdateMovesTheAuthorizedAmount) {
  EXPECT_EQ((Story{} << authorized(4200) << amount_updated(5200) << captured("C1", 5200)).kinds(),
            Kinds{});
  EXPECT_EQ((Story{} << authorized(4200) << amount_updated(5200) << captured("C1", 4200)).kinds(),
            Kinds{"CAPTURE_AMOUNT_MISMATCH"});
  EXPECT_EQ((Story{} << authorized(4200) << captured("C1", 5200) << amount_updated(5200)).kinds(),
            Kinds{"CAPTURE_AMOUNT_MISMATCH"})
      << "5200 of 4200 was raised when it happened; the update does not take it back";
}

TEST(PaymentLedger, DisputesOpenedAndLost) {
  Story r;
  r << dispute("DISPUTE_CREATED") << dispute("DISPUTE_CREATED");
  EXPECT_EQ(r.kinds(), Kinds{"DISPUTE_OPENED"});
  EXPECT_EQ(r.ledger.disputes_open, std::vector<std::string>{"D1"});
  r << dispute(
      "DISPUTE_JUDGED",
      R"(,"disputeJudgedResult":"ACCEPT_BY_MERCHANT","disputeJudgedAmount":)" + amount(4200));
  EXPECT_EQ(r.kinds(), (Kinds{"DISPUTE_OPENED", "DISPUTE_LOST"}));
  EXPECT_TRUE(r.ledger.disputes_open.empty());
  Story won;
  won << dispute("DISPUTE_CREATED")
      << dispute("DISPUTE_JUDGED", R"(,"disputeJudgedResult":"ACCEPT_BY_CUSTOMER")");
  EXPECT_EQ(won.kinds(), Kinds{"DISPUTE_OPENED"});
}

TEST(PaymentLedger, TheDeadlineWarnsThenReportsTheExpiryOnceEach) {
  Story r;
  r << authorized(4200);
  const int64_t expiry = kAuthorizedAt + kAuthorizationLifetimeMs, warn = 24 * kHour;
  ASSERT_EQ(next_deadline(r.ledger, warn), expiry - warn);
  struct Row {
    int64_t now;
    Kinds raised;
  } rows[] = {
      {expiry - 25 * kHour, {}}, {expiry - 23 * kHour, {"AUTHORIZATION_EXPIRING_UNCAPTURED"}},
      {expiry - 22 * kHour, {}}, {expiry, {"AUTHORIZATION_EXPIRED_UNCAPTURED"}},
      {expiry + kHour, {}},
  };
  PaymentLedger l = r.ledger;
  for (const auto& row : rows) {
    auto step = check_deadline(std::move(l), row.now, warn);
    l = std::move(step.ledger);
    Kinds kinds;
    for (const auto& a : step.anomalies) kinds.emplace_back(anomaly_kind_name(a.kind));
    EXPECT_EQ(kinds, row.raised) << "at expiry " << (row.now - expiry) / kHour << " h";
    if (row.now == expiry - 23 * kHour) {
      EXPECT_EQ(next_deadline(l, warn), expiry);
    }
  }
  EXPECT_EQ(next_deadline(l, warn), std::nullopt);
}

TEST(PaymentLedger, ACapturedOrFailedAuthorizationHasNoDeadline) {
  Story captured_run, failed_run;
  captured_run << authorized(4200) << captured("C1", 4200);
  failed_run << authorization_failed();
  for (const auto* l : {&captured_run.ledger, &failed_run.ledger}) {
    EXPECT_EQ(next_deadline(*l, kHour), std::nullopt);
    EXPECT_TRUE(check_deadline(*l, kAuthorizedAt + 30 * 24 * kHour, kHour).anomalies.empty());
  }
}

TEST(PaymentLedger, TheStoredFormRoundTrips) {
  Story r;
  r << authorized(4200) << captured("C1", 4000) << capture_failed("C2")
    << dispute("DISPUTE_CREATED");
  r.ledger.inquired_at_ms = kAuthorizedAt + kHour;
  r.ledger.inquiry_retry_at_ms = kAuthorizedAt + 2 * kHour;
  const json::object stored = ledger_json(r.ledger);
  const auto back = ledger_from_json(json::parse(json::serialize(stored)));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(ledger_json(*back), stored);
  EXPECT_FALSE(ledger_from_json(json::parse(R"({"version":2})")).has_value());
  EXPECT_FALSE(ledger_from_json(json::parse(R"([1,2])")).has_value());
}

TEST(PaymentLedger, ALedgerWrittenBeforeReconciliationReadsWithNothingAsked) {
  json::object older = ledger_json((Story{} << authorized(4200)).ledger);
  for (const char* added : {"failedCaptureIds", "inquiredAtMs", "inquiryRetryAtMs"})
    older.erase(added);
  const auto back = ledger_from_json(older);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->inquired_at_ms, 0);
  EXPECT_TRUE(back->failed_capture_ids.empty());
}

LedgerFacts facts(const std::string& body) {
  const auto derived = derive_event(body, kAuthorizedAt);
  EXPECT_TRUE(derived.event) << derived.error;
  return derived.event ? derived.event->ledger : LedgerFacts{};
}

// Reconciliation's schedule (README "Reconciliation").
TEST(PaymentLedger, AnUncapturedAuthorizationIsAskedAboutAfterItThenBeforeItsExpiryWarning) {
  const PaymentLedger ledger = (Story{} << authorized(4200)).ledger;
  const int64_t after = 30 * 60000, warning = 24 * kHour;
  const int64_t expiry = kAuthorizedAt + kAuthorizationLifetimeMs;
  EXPECT_EQ(next_inquiry(ledger, 0, warning), std::nullopt) << "0: reconciliation off";
  EXPECT_EQ(next_inquiry(ledger, after, warning), kAuthorizedAt + after);
  const LedgerStep first = check_inquiry(ledger, {}, kAuthorizedAt + after + 5);
  EXPECT_TRUE(first.anomalies.empty());
  EXPECT_EQ(next_inquiry(first.ledger, after, warning), expiry - warning - after);
  const LedgerStep second = check_inquiry(first.ledger, {}, expiry - warning - after);
  EXPECT_EQ(next_inquiry(second.ledger, after, warning), std::nullopt) << "asked twice: enough";

  PaymentLedger unanswered = ledger;
  unanswered.inquiry_retry_at_ms = kAuthorizedAt + after + kInquiryRetryAfterMs;
  EXPECT_EQ(next_inquiry(unanswered, after, warning), unanswered.inquiry_retry_at_ms);

  EXPECT_EQ(
      next_inquiry((Story{} << authorized(4200) << captured("C1", 4200)).ledger, after, warning),
      std::nullopt);
  EXPECT_EQ(next_inquiry((Story{} << authorization_failed()).ledger, after, warning), std::nullopt);
}

TEST(PaymentLedger, AnInquiryThatContradictsAnAppliedResultIsRaisedOnceAndAgreementIsNot) {
  const int64_t now = kAuthorizedAt + kHour;
  Story r;
  r << authorized(4200) << capture_failed("C1");
  const LedgerStep step =
      check_inquiry(r.ledger, {facts(authorized(4200)), facts(captured("C1", 4200))}, now);
  ASSERT_EQ(step.anomalies.size(), 1u);
  EXPECT_EQ(anomaly_kind_name(step.anomalies[0].kind), "INQUIRY_DISAGREES");
  EXPECT_EQ(step.anomalies[0].id, "INQUIRY_DISAGREES:" + kPayment + ":capture C1");
  EXPECT_EQ(step.anomalies[0].figures.at("inquiry"), "SUCCESS");
  EXPECT_EQ(step.ledger.inquired_at_ms, now);
  EXPECT_TRUE(check_inquiry(step.ledger, {facts(captured("C1", 4200))}, now + 1).anomalies.empty())
      << "raised once";

  const PaymentLedger captured_ledger =
      (Story{} << authorized(4200) << captured("C1", 4200)).ledger;
  EXPECT_EQ(check_inquiry(captured_ledger, {facts(capture_failed("C1"))}, now).anomalies.size(),
            1u);
  EXPECT_TRUE(
      check_inquiry(captured_ledger, {facts(authorized(4200)), facts(captured("C1", 4200))}, now)
          .anomalies.empty());
  const PaymentLedger authorized_ledger = (Story{} << authorized(4200)).ledger;
  const auto failed = check_inquiry(authorized_ledger, {facts(authorization_failed())}, now);
  ASSERT_EQ(failed.anomalies.size(), 1u);
  EXPECT_EQ(failed.anomalies[0].id, "INQUIRY_DISAGREES:" + kPayment + ":authorization");
  EXPECT_EQ(
      check_inquiry((Story{} << authorization_failed()).ledger, {facts(authorized(4200))}, now)
          .anomalies.size(),
      1u);
}

TEST(PaymentLedger, AnAnomalyAsPublished) {
  Story r;
  r << authorization_failed() << captured("C1", 4200);
  const json::object a = anomaly_json(r.anomalies.at(0));
  EXPECT_EQ(a.at("kind"), "CAPTURE_AFTER_FAILED_AUTHORIZATION");
  EXPECT_EQ(a.at("paymentId").as_string(), kPayment);
  EXPECT_EQ(a.at("anomalyId").as_string(),
            "CAPTURE_AFTER_FAILED_AUTHORIZATION:" + kPayment + ":C1");
  EXPECT_EQ(a.at("causedBy").as_array().size(), 2u);
}

}  // namespace
}  // namespace paynotify::worker
