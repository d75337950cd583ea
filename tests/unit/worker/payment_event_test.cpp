#include "worker/payment_event.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>

#include "tests/support/notifications.hpp"

namespace paynotify::worker {
namespace {

TEST(PaymentEvent, ProtocolExamplesMapToTheirEvents) {
  const auto pay = derive_event(testing::kPaymentResultBody, 0);
  ASSERT_TRUE(pay.event) << pay.error;
  EXPECT_EQ(pay.event->type, EventType::payment_authorized);
  EXPECT_EQ(pay.event->event_id, "PAYMENT_RESULT:2020010123456789XXXX:S");
  const auto cap = derive_event(testing::kCaptureResultBody, 0);
  ASSERT_TRUE(cap.event) << cap.error;
  EXPECT_EQ(cap.event->type, EventType::capture_succeeded);
  EXPECT_EQ(cap.event->event_id, "CAPTURE_RESULT:2022XXXXXXX:2022XXXXXXX:S");
  const auto refund = derive_event(testing::kRefundResultBody, 0);
  ASSERT_TRUE(refund.event) << refund.error;
  EXPECT_EQ(refund.event->type, EventType::refund_succeeded);
  EXPECT_EQ(refund.event->event_id, "REFUND_RESULT:rr-01:2023REFUND01:SUCCESS");
  EXPECT_EQ(refund.event->order_key, "rr-01");  // refunds carry no paymentId
}

TEST(PaymentEvent, EveryTypeOfTheContract) {
  const std::string r = R"("result":{"resultCode":"X","resultStatus":")";
  struct Case { std::string body; EventType type; };
  const std::vector<Case> cases = {
      {testing::payment_result_body("p1", "F"), EventType::payment_failed},
      {testing::payment_result_body("p1", "U"), EventType::payment_pending},
      {R"({"notifyType":"PAYMENT_PENDING",)" + r + R"(U"},"paymentRequestId":"r","paymentId":"p1"})", EventType::payment_pending},
      {R"({"notifyType":"CAPTURE_RESULT",)" + r + R"(F"},"captureRequestId":"c","paymentId":"p1","captureId":"c1","captureAmount":{"currency":"SGD","value":"1"}})", EventType::capture_failed},
      {R"({"notifyType":"REFUND_RESULT","refundStatus":"FAIL","refundRequestId":"rr","refundId":"f","refundAmount":{"currency":"SGD","value":"1"}})", EventType::refund_failed},
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
  EXPECT_EQ(derive_event(testing::kPaymentResultBody, 1).event->event_id, derive_event(respaced, 999).event->event_id);
}

TEST(PaymentEvent, DifferentEventsNeverShareAnId) {
  std::set<std::string> ids;
  const std::vector<std::string> bodies = {
      testing::payment_result_body("p1", "S"), testing::payment_result_body("p1", "F"),
      testing::payment_result_body("p2", "S"), testing::kCaptureResultBody, testing::kRefundResultBody,
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

TEST(PaymentEvent, WhatCannotBeAnEventSaysWhy) {
  EXPECT_NE(derive_event("not json", 0).error.find("JSON"), std::string::npos);
  EXPECT_NE(derive_event(R"({"notifyType":"DISPUTE"})", 0).error.find("unknown notifyType"), std::string::npos);
  EXPECT_NE(derive_event(R"({"notifyType":"CAPTURE_RESULT"})", 0).error.find("required"), std::string::npos);
  EXPECT_NE(derive_event(R"({"notifyType":"REFUND_RESULT","refundStatus":"PROCESSING","refundRequestId":"r","refundId":"f","refundAmount":{"currency":"SGD","value":"1"}})", 0)
                .error.find("not final"), std::string::npos);
}

}  // namespace
}  // namespace paynotify::worker
