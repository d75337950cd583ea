#include "worker/payment_event.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/service/http_field.hpp"

#include "tests/support/notifications.hpp"

namespace paynotify::worker {
namespace {

TEST(PaymentEvent, ProtocolExamplesMapToTheirEvents) {
  const auto pay = derive_event(testing::kPaymentResultBody, 0);
  ASSERT_TRUE(pay.event) << pay.error;
  EXPECT_EQ(pay.event->type, "PAYMENT_AUTHORIZED");
  EXPECT_EQ(pay.event->event_id, "PAYMENT_RESULT:2020010123456789XXXX:S");
  const auto cap = derive_event(testing::kCaptureResultBody, 0);
  ASSERT_TRUE(cap.event) << cap.error;
  EXPECT_EQ(cap.event->type, "CAPTURE_SUCCEEDED");
  EXPECT_EQ(cap.event->event_id, "CAPTURE_RESULT:2022XXXXXXX:2022XXXXXXX:S");
  const auto refund = derive_event(testing::kRefundResultBody, 0);
  ASSERT_TRUE(refund.event) << refund.error;
  EXPECT_EQ(refund.event->type, "REFUND_SUCCEEDED");
  EXPECT_EQ(refund.event->event_id, "REFUND_RESULT:rr-01:2023REFUND01:SUCCESS");
  EXPECT_EQ(refund.event->order_key, "rr-01");  // refunds carry no paymentId
}

TEST(PaymentEvent, EveryTypeOfTheContract) {
  const std::string r = R"("result":{"resultCode":"X","resultStatus":")";
  struct Case {
    std::string body;
    std::string_view type;
  };
  const std::vector<Case> cases = {
      {testing::payment_result_body("p1", "F"), "PAYMENT_FAILED"},
      {testing::payment_result_body("p1", "U"), "PAYMENT_PENDING"},
      {R"({"notifyType":"PAYMENT_PENDING",)" + r +
           R"(U"},"paymentRequestId":"r","paymentId":"p1"})",
       "PAYMENT_PENDING"},
      {R"({"notifyType":"CAPTURE_RESULT",)" + r +
           R"(F"},"captureRequestId":"c","paymentId":"p1","captureId":"c1","captureAmount":{"currency":"SGD","value":"1"}})",
       "CAPTURE_FAILED"},
      {R"({"notifyType":"REFUND_RESULT","refundStatus":"FAIL","refundRequestId":"rr","refundId":"f","refundAmount":{"currency":"SGD","value":"1"}})",
       "REFUND_FAILED"},
  };
  for (const auto& c : cases) {
    const auto d = derive_event(c.body, 0);
    ASSERT_TRUE(d.event) << d.error << " in " << c.body;
    EXPECT_EQ(d.event->type, c.type) << c.body;
  }
}

TEST(PaymentEvent, AResendWithANewRequestTimeOrSpacingHasTheSameId) {
  std::string respaced = testing::kPaymentResultBody;
  respaced.insert(1, " ");
  EXPECT_EQ(derive_event(testing::kPaymentResultBody, 1).event->event_id,
            derive_event(respaced, 999).event->event_id);
}

TEST(PaymentEvent, DifferentEventsNeverShareAnId) {
  std::set<std::string> ids;
  const std::vector<std::string> bodies = {
      testing::payment_result_body("p1", "S"),
      testing::payment_result_body("p1", "F"),
      testing::payment_result_body("p2", "S"),
      testing::kCaptureResultBody,
      testing::kRefundResultBody,
      R"({"captureAmount":{"currency":"SGD","value":"1"},"notifyType":"CAPTURE_RESULT","captureId":"second","captureRequestId":"cr-02","paymentId":"2022XXXXXXX","result":{"resultCode":"SUCCESS","resultStatus":"S"}})",
  };
  for (const auto& b : bodies) ids.insert(derive_event(b, 0).event->event_id);
  EXPECT_EQ(ids.size(), bodies.size());
}

TEST(PaymentEvent, TheOrderRequestFollowsTheContract) {
  const auto d = derive_event(testing::kCaptureResultBody, 1700000000123);
  const auto& o = d.event->order_request;
  EXPECT_EQ(o.at("eventId").as_string(), "CAPTURE_RESULT:2022XXXXXXX:2022XXXXXXX:S");
  EXPECT_EQ(o.at("type").as_string(), "CAPTURE_SUCCEEDED");
  EXPECT_EQ(o.at("paymentId").as_string(), "2022XXXXXXX");
  EXPECT_TRUE(o.at("paymentRequestId").is_null());
  EXPECT_EQ(o.at("captureId").as_string(), "2022XXXXXXX");
  EXPECT_EQ(o.at("captureRequestId").as_string(), "cr-01");
  EXPECT_EQ(o.at("amount").at("value").as_string(), "4200");
  EXPECT_EQ(o.at("resultCode").as_string(), "SUCCESS");
  EXPECT_EQ(o.at("occurredAt").as_string(), "2022-11-10T00:34:52-08:00");
  EXPECT_EQ(o.at("receivedAt").as_string(), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(o.at("notification").at("captureRequestId").as_string(), "cr-01");
}

TEST(PaymentEvent, WhatCannotBeAnEventSaysWhyAndHowItIsDeadLettered) {
  struct Case {
    std::string body;
    NoEvent why_not;
    std::string kind, error_mentions;
  };
  const std::vector<Case> cases = {
      {"not json", NoEvent::invalid_record, "UNKNOWN", "JSON"},
      {R"({"notifyType":"CAPTURE_RESULT"})", NoEvent::invalid_record, "CAPTURE_RESULT", "required"},
      {R"({"notifyType":"REFUND_RESULT","refundStatus":"SUCCESS","refundRequestId":"r","refundAmount":{"currency":"SGD","value":"1"}})",
       NoEvent::invalid_record, "REFUND_RESULT", "refundId"},
      {R"({"notifyType":"REFUND_RESULT","refundStatus":"PROCESSING","refundRequestId":"r","refundId":"f","refundAmount":{"currency":"SGD","value":"1"}})",
       NoEvent::invalid_record, "REFUND_RESULT", "not final"},
      {R"({"notifyType":"PAYMENT_RESULT","result":{"resultCode":"X","resultStatus":"S"},"paymentRequestId":"r","paymentId":"p","paymentAmount":{"currency":"sgd","value":"1"}})",
       NoEvent::invalid_record, "PAYMENT_RESULT", "paymentAmount.currency"},
      {R"({"disputeNotificationType":"DISPUTE_CREATED","paymentRequestId":"r","paymentId":"p"})",
       NoEvent::invalid_record, "DISPUTE", "disputeId"},
      {R"({"disputeNotificationType":"DISPUTE_ESCALATED","paymentId":"p","disputeId":"d"})",
       NoEvent::unsupported_kind, "DISPUTE", "DISPUTE_ESCALATED"},
      {testing::kVaultingBody, NoEvent::unsupported_kind, "VAULTING", "VAULTING"},
      {testing::kAuthorizationBody, NoEvent::unsupported_kind, "AUTHORIZATION", "AUTHORIZATION"},
      {R"({"notifyType":"NEW_KIND","paymentId":"p"})", NoEvent::unsupported_kind, "NEW_KIND",
       "NEW_KIND"},
  };
  for (const auto& c : cases) {
    const auto d = derive_event(c.body, 0);
    EXPECT_FALSE(d.event) << c.body;
    EXPECT_EQ(d.why_not, c.why_not) << c.body;
    EXPECT_EQ(d.kind, c.kind) << c.body;
    EXPECT_NE(d.error.find(c.error_mentions), std::string::npos) << d.error;
  }
}

TEST(PaymentEvent, UpdateAmountResultCarriesTheNewAuthorizedAmount) {
  const auto d = derive_event(testing::kUpdateAmountResultBody, 0);
  ASSERT_TRUE(d.event) << d.error;
  EXPECT_EQ(d.event->type, "AUTHORIZATION_AMOUNT_UPDATED");
  EXPECT_EQ(d.event->event_id, "UPDATE_AMOUNT_RESULT:202611250001:upd-01:S");
  EXPECT_EQ(d.event->order_key, "202611250001");
  const auto& o = d.event->order_request;
  EXPECT_EQ(o.at("type").as_string(), "AUTHORIZATION_AMOUNT_UPDATED");
  EXPECT_EQ(o.at("updateRequestId").as_string(), "upd-01");
  EXPECT_EQ(o.at("amount").at("value").as_string(), "5200");
  // A second update of the same payment is another event.
  std::string second = testing::kUpdateAmountResultBody;
  second.replace(second.find("upd-01"), 6, "upd-02");
  EXPECT_NE(derive_event(second, 0).event->event_id, d.event->event_id);
}

TEST(PaymentEvent, DisputesAreOneEventPerDisputeAndNotificationType) {
  const auto created = derive_event(testing::kDisputeCreatedBody, 0);
  const auto judged = derive_event(testing::kDisputeJudgedBody, 0);
  ASSERT_TRUE(created.event) << created.error;
  ASSERT_TRUE(judged.event) << judged.error;
  EXPECT_EQ(created.event->type, "DISPUTE_CREATED");
  EXPECT_EQ(created.event->event_id, "DISPUTE:202611250001:202611260001D1:DISPUTE_CREATED");
  EXPECT_EQ(judged.event->type, "DISPUTE_JUDGED");
  EXPECT_NE(created.event->event_id, judged.event->event_id);
  EXPECT_EQ(created.event->order_key, "202611250001");  // ordered with the payment's other events
  const auto& c = created.event->order_request;
  EXPECT_EQ(c.at("type").as_string(), "DISPUTE_CREATED");
  EXPECT_EQ(c.at("disputeId").as_string(), "202611260001D1");
  EXPECT_EQ(c.at("amount").at("value").as_string(), "4200");
  EXPECT_EQ(c.at("defenseDueTime").as_string(), "2026-12-03T10:00:00+08:00");
  EXPECT_EQ(c.at("occurredAt").as_string(), "2026-11-26T10:00:00+08:00");
  const auto& j = judged.event->order_request;
  EXPECT_EQ(j.at("type").as_string(), "DISPUTE_JUDGED");
  EXPECT_EQ(j.at("disputeJudgedResult").as_string(), "ACCEPT_BY_MERCHANT");
  EXPECT_EQ(j.at("disputeJudgedAmount").at("value").as_string(), "4200");
  EXPECT_EQ(j.at("occurredAt").as_string(), "2026-12-10T10:00:00+08:00");
}

TEST(StaleReplay, SignedLongerBeforeReceiptThanDedupeRemembersIsStale) {
  const int64_t day = 86'400'000;
  const int64_t received = 1'800'000'000'000;
  EXPECT_FALSE(stale_replay(std::to_string(received - 1000), received, 6 * day))
      << "a fresh notification";
  EXPECT_FALSE(stale_replay(std::to_string(received - day), received, 6 * day))
      << "Antom's last re-send, ~24 h";
  const auto stale = stale_replay(std::to_string(received - 8 * day), received, 6 * day);
  ASSERT_TRUE(stale);
  EXPECT_NE(stale->find("192 h"), std::string::npos) << *stale;
  EXPECT_TRUE(stale_replay("2026-11-01T00:00:00Z", 1'795'000'000'000 + 20 * day, 6 * day))
      << "ISO 8601 too";
  EXPECT_FALSE(stale_replay("not a time", received, 6 * day)) << "unreadable: not judged here";
  EXPECT_FALSE(stale_replay(std::to_string(received - 8 * day), received, 0)) << "off";
  EXPECT_FALSE(stale_replay(std::to_string(received - 8 * day), 0, 6 * day)) << "no receipt time";
}

TEST(PaymentEvent, IdPartsThatContainTheSeparatorCannotCollide) {
  const auto refund = [](const std::string& request, const std::string& id) {
    return R"({"notifyType":"REFUND_RESULT","refundStatus":"SUCCESS","refundRequestId":")" +
           request + R"(","refundId":")" + id +
           R"(","refundAmount":{"currency":"SGD","value":"1"}})";
  };
  const auto a = derive_event(refund("r:1", "x"), 0);
  const auto b = derive_event(refund("r", "1:x"), 0);
  const auto c = derive_event(refund("r%3A1", "x"), 0);
  ASSERT_TRUE(a.event && b.event && c.event);
  EXPECT_NE(a.event->event_id, b.event->event_id);
  EXPECT_NE(a.event->event_id, c.event->event_id);
  EXPECT_EQ(join_event_id({"A", "r:1", "x%"}), "A:r%3A1:x%25");
  EXPECT_EQ(join_event_id({"A", "plain_id-2.x~", "S"}),
            "A:plain_id-2.x~:S");  // Antom's ids unchanged
}

// The security review's request smuggling: an id part that ends the Idempotency-Key header
// and starts a second request of the attacker's choosing.
TEST(PaymentEvent, AnIdWithCrLfBecomesOneHarmlessHeaderValue) {
  const std::string capture =
      R"({"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S"},)"
      R"("paymentId":"P1\r\n\r\nPOST /internal/refund HTTP/1.1\r\nHost","captureId":" orders\r\nX",)"
      R"("captureRequestId":"c","captureAmount":{"currency":"SGD","value":"1"}})";
  const auto derived = derive_event(capture, 0);
  ASSERT_TRUE(derived.event) << derived.error;
  EXPECT_EQ(derived.event->event_id,
            "CAPTURE_RESULT:P1%0D%0A%0D%0APOST%20%2Finternal%2Frefund%20HTTP%2F1.1%0D%0AHost:%"
            "20orders%0D%0AX:S");
  EXPECT_TRUE(is_sendable_field_value(derived.event->event_id));
}

// Reads an id back into its parts: the inverse that makes join_event_id injective.
std::vector<std::string> split_event_id(std::string_view id) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (id[i] == ':') {
      parts.emplace_back();
    } else if (id[i] == '%') {
      parts.back() += static_cast<char>(std::stoi(std::string(id.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      parts.back() += id[i];
    }
  }
  return parts;
}

TEST(PaymentEvent, AnIdIsPrintableAndSplitsBackIntoExactlyItsParts) {
  std::mt19937 rng(20261202);
  std::uniform_int_distribution<int> byte(0, 255), length(0, 6);
  const auto random_part = [&] {
    std::string part(static_cast<std::size_t>(length(rng)), '\0');
    for (char& c : part) c = static_cast<char>(byte(rng));
    return part;
  };
  for (int round = 0; round < 20000; ++round) {
    const std::string a = random_part(), b = random_part(), c = random_part();
    const std::string id = join_event_id({a, b, c});
    ASSERT_TRUE(is_sendable_field_value(id)) << id;
    for (const char ch : id) ASSERT_TRUE(ch > 0x20 && ch < 0x7f) << id;
    ASSERT_EQ(split_event_id(id), (std::vector<std::string>{a, b, c}));
  }
}

}  // namespace
}  // namespace paynotify::worker
