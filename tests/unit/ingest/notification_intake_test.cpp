#include "ingest/notification_intake.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/antom/antom_reply.hpp"
#include "common/antom/notification_signer.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/test_keys.hpp"

namespace paynotify::ingest {
namespace {

using paynotify::testing::test_key;

// The record as librdkafka is handed it: the views copied.
OutgoingRecord published(const IntakeRecord& record) {
  IntakeRecord::Headers headers;
  return owned_record(record.view(headers));
}

class Intake : public ::testing::Test {
 protected:
  Intake() : intake_({"/notifications/antom", "", "antom.notifications", 0}, keys_) {
    keys_.add("C1", "1", test_key(0).pair.public_pem);
  }

  struct Sent {
    SignedHeaders headers;
    std::string body;
    std::string target = "/notifications/antom";
    std::string method = "POST";
    std::string content_type = "application/json; charset=UTF-8";
    std::string traceparent;
  };

  Sent signed_request(const std::string& body, const std::string& target = "/notifications/antom") {
    Sent s;
    s.body = body;
    s.target = target;
    s.headers =
        sign_notification(test_key(0).private_key.get(), target, "C1", "1700000000000", body);
    return s;
  }

  IntakeDecision decide(const Sent& s) const {
    return intake_.decide({s.method, s.target, s.content_type, s.headers.client_id,
                           s.headers.request_time, s.headers.signature, s.traceparent, s.body},
                          1700000000500);
  }

  KeyRegistry keys_;
  NotificationIntake intake_;
};

TEST_F(Intake, AGenuineNotificationBecomesARecordWithEveryHeader) {
  auto s = signed_request(paynotify::testing::kCaptureResultBody);
  s.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const auto d = decide(s);
  ASSERT_FALSE(d.answer) << d.answer->reason;
  ASSERT_TRUE(d.record);
  const OutgoingRecord rec = published(*d.record);
  EXPECT_EQ(rec.topic, "antom.notifications");
  EXPECT_EQ(rec.key, "2022XXXXXXX");
  EXPECT_EQ(rec.value, paynotify::testing::kCaptureResultBody);
  std::map<std::string, std::string> h(rec.headers.begin(), rec.headers.end());
  EXPECT_EQ(h["antom-client-id"], "C1");
  EXPECT_EQ(h["antom-request-time"], "1700000000000");
  EXPECT_EQ(h["antom-signature"], s.headers.signature);
  EXPECT_EQ(h["antom-request-uri"], "/notifications/antom");
  EXPECT_EQ(h["notify-type"], "CAPTURE_RESULT");
  EXPECT_EQ(h["received-at"], "1700000000500");
  EXPECT_EQ(h["ingest-id"].size(), 32u);
  EXPECT_EQ(h["traceparent"], s.traceparent);
  EXPECT_EQ(rec.headers.size(), 8u);
}

TEST_F(Intake, MintsATraceparentWhenNoneOrAnInvalidOneCame) {
  auto s = signed_request(paynotify::testing::kPaymentResultBody);
  s.traceparent = "garbage";
  const auto d = decide(s);
  ASSERT_TRUE(d.record);
  const OutgoingRecord rec = published(*d.record);
  std::map<std::string, std::string> h(rec.headers.begin(), rec.headers.end());
  EXPECT_EQ(h["traceparent"].size(), 55u);
  EXPECT_NE(h["traceparent"], "garbage");
}

TEST_F(Intake, QueryStringIsPartOfTheSignedUriButNotOfThePathMatch) {
  const auto d =
      decide(signed_request(paynotify::testing::kPaymentResultBody, "/notifications/antom?m=1"));
  EXPECT_TRUE(d.record);
}

TEST_F(Intake, SignedPathPrefixIsPrependedBeforeVerifying) {
  NotificationIntake behind_proxy({"/antom", "/paynotify", "t", 0}, keys_);
  Sent s;
  s.body = paynotify::testing::kPaymentResultBody;
  s.headers =
      sign_notification(test_key(0).private_key.get(), "/paynotify/antom", "C1", "1", s.body);
  const auto d = behind_proxy.decide(
      {"POST", "/antom", "application/json", "C1", "1", s.headers.signature, "", s.body}, 0);
  EXPECT_TRUE(d.record);
  const auto direct = decide(s);  // path /notifications/antom signed as /paynotify/antom: no
  ASSERT_TRUE(direct.answer);
  EXPECT_EQ(direct.answer->status, 401u);
}

TEST_F(Intake, EveryFailedCheckAnswersAndPublishesNothing) {
  const std::vector<std::pair<std::string, std::pair<unsigned, std::function<void(Sent&)>>>> cases =
      {
          {"wrong path", {404, [](Sent& s) { s.target = "/other"; }}},
          {"wrong method", {405, [](Sent& s) { s.method = "GET"; }}},
          {"wrong content type", {415, [](Sent& s) { s.content_type = "text/plain"; }}},
          {"no content type", {415, [](Sent& s) { s.content_type = ""; }}},
          {"no signature", {401, [](Sent& s) { s.headers.signature = ""; }}},
          {"no client id", {401, [](Sent& s) { s.headers.client_id = ""; }}},
          {"unknown client id", {401, [](Sent& s) { s.headers.client_id = "C2"; }}},
          {"tampered body", {401, [](Sent& s) { s.body[s.body.size() - 2] = ' '; }}},
          {"other request time", {401, [](Sent& s) { s.headers.request_time = "1700000000001"; }}},
      };
  for (const auto& [name, c] : cases) {
    auto s = signed_request(paynotify::testing::kPaymentResultBody);
    c.second(s);
    const auto d = decide(s);
    ASSERT_TRUE(d.answer) << name;
    EXPECT_FALSE(d.record) << name;
    EXPECT_EQ(d.answer->status, c.first) << name;
    EXPECT_NE(d.answer->body, kAntomSuccessBody) << name;
    EXPECT_NE(d.answer->body.find("\"resultStatus\":\"F\""), std::string::npos) << name;
  }
}

// Promise 2: once the signature verifies, the body is Antom's word and is never refused.
TEST_F(Intake, EveryVerifiedBodyIsPublishedWithItsKindAndKey) {
  struct Case {
    std::string body, kind, key;
  };
  const std::vector<Case> cases = {
      {paynotify::testing::kDisputeCreatedBody, "DISPUTE", "202611250001"},
      {paynotify::testing::kUpdateAmountResultBody, "UPDATE_AMOUNT_RESULT", "202611250001"},
      {paynotify::testing::kRefundResultBody, "REFUND_RESULT", "rr-01"},
      {paynotify::testing::kVaultingBody, "VAULTING", "vr-01"},
      {paynotify::testing::kAuthorizationBody, "AUTHORIZATION", ""},
      {R"({"notifyType":"CAPTURE_RESULT","paymentId":"p-7"})", "CAPTURE_RESULT", "p-7"},
      {R"({"notifyType":"REFUND_RESULT","refundStatus":"SUCCESS"})", "REFUND_RESULT", ""},
      {"{not json", "UNKNOWN", ""},
      {"", "UNKNOWN", ""},
  };
  for (const auto& c : cases) {
    const auto request = signed_request(c.body);  // the record shows it: it must outlive it
    const auto d = decide(request);
    ASSERT_TRUE(d.record) << c.body << " answered " << (d.answer ? d.answer->status : 0u);
    EXPECT_FALSE(d.answer) << c.body;
    const OutgoingRecord rec = published(*d.record);
    EXPECT_EQ(rec.value, c.body);
    const auto& headers = rec.headers;
    const auto type = std::find_if(headers.begin(), headers.end(),
                                   [](const auto& h) { return h.first == "notify-type"; });
    ASSERT_NE(type, headers.end());
    EXPECT_EQ(type->second, c.kind) << c.body;
    if (c.key.empty()) {
      EXPECT_EQ(rec.key.size(), 32u)
          << c.body << ": no payment or request id, keyed by the ingest id";
    } else {
      EXPECT_EQ(rec.key, c.key) << c.body;
    }
  }
}

TEST(IntakeAnswers, DeliveryDecidesBetween200And503) {
  const auto ok = NotificationIntake::answer_for_delivery(RecordWritten{0, 1});
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, kAntomSuccessBody);
  const auto failed = NotificationIntake::answer_for_delivery(
      failure(DeliveryError::not_written, "Local: Message timed out"));
  EXPECT_EQ(failed.status, 503u);
  EXPECT_NE(failed.body, kAntomSuccessBody);
  // Any failure at all, an unconfirmed write too, is a 503: Antom sends again.
  const auto unconfirmed =
      NotificationIntake::answer_for_delivery(failure(DeliveryError::unconfirmed));
  EXPECT_EQ(unconfirmed.status, 503u);
}

}  // namespace
}  // namespace paynotify::ingest
