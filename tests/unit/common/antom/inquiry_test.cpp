// Asking Antom (common/antom/inquiry.hpp): which paths, which request, and which notifications
// an answer stands for.
#include "common/antom/inquiry.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/support/notifications.hpp"

namespace paynotify {
namespace {

namespace json = boost::json;

json::object parsed(const std::string& text) { return json::parse(text).as_object(); }

TEST(InquiryPath, SandboxClientIdsUseTheSandboxPath) {
  EXPECT_EQ(inquiry_path(InquiryApi::payment, "2022XXXX"), "/ams/api/v1/payments/inquiryPayment");
  EXPECT_EQ(inquiry_path(InquiryApi::refund, "SANDBOX_5YBX2Y"),
            "/ams/sandbox/api/v1/payments/inquiryRefund");
}

TEST(InquiryPath, OnlyTheTwoInquiriesAreRecognised) {
  EXPECT_EQ(inquiry_api_of("/ams/api/v1/payments/inquiryPayment"), InquiryApi::payment);
  EXPECT_EQ(inquiry_api_of("/ams/sandbox/api/v1/payments/inquiryRefund"), InquiryApi::refund);
  EXPECT_FALSE(inquiry_api_of("/ams/api/v1/payments/pay"));
  EXPECT_FALSE(inquiry_api_of("/ams/api/v1/payments/inquiryPaymentX"));
  EXPECT_FALSE(inquiry_api_of("/notify/ams/api/v1/payments/inquiryPayment"));
  EXPECT_FALSE(inquiry_api_of("/antom/notify"));
}

TEST(InquiryTarget, AsksByTheFieldItNames) {
  using By = InquiryTarget::By;
  EXPECT_EQ((InquiryTarget{By::payment_id, "P1"}.body()), R"({"paymentId":"P1"})");
  EXPECT_EQ((InquiryTarget{By::payment_request_id, "pr\"1"}.body()),
            R"({"paymentRequestId":"pr\"1"})");
  EXPECT_EQ((InquiryTarget{By::refund_request_id, "rr-1"}.api()), InquiryApi::refund);
  EXPECT_EQ((InquiryTarget{By::payment_request_id, "x"}.api()), InquiryApi::payment);
}

TEST(InquiryTarget, AnAnswerIsAboutWhatWasAskedOnlyWhenItNamesTheSameId) {
  using By = InquiryTarget::By;
  const auto answer = parsed(testing::payment_inquiry_answer("P1", "C1"));
  EXPECT_TRUE(answers_about(answer, {By::payment_id, "P1"}));
  EXPECT_TRUE(answers_about(answer, {By::payment_request_id, "pr-P1"}));
  EXPECT_FALSE(answers_about(answer, {By::payment_id, "P2"}));
  EXPECT_FALSE(answers_about(answer, {By::refund_id, "P1"}));
  EXPECT_FALSE(answers_about(parsed(R"({"paymentId":7})"), {By::payment_id, "7"}));
}

TEST(RecoveredNotifications, AnAuthorizedAndCapturedPaymentIsTwoNotifications) {
  const auto answer = parsed(testing::payment_inquiry_answer("P1", "C1"));
  const auto found = recovered_notifications(InquiryApi::payment, answer);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].kind, "PAYMENT_RESULT");
  const auto payment = parsed(found[0].body);
  EXPECT_EQ(payment.at("paymentId"), "P1");
  EXPECT_EQ(payment.at("paymentRequestId"), "pr-P1");
  EXPECT_EQ(payment.at("result").at("resultStatus"), "S");
  EXPECT_EQ(payment.at("authExpiryTime"), "2026-12-02T12:01:01+08:00");
  EXPECT_FALSE(payment.contains("transactions"));
  EXPECT_EQ(found[1].kind, "CAPTURE_RESULT");
  const auto capture = parsed(found[1].body);
  EXPECT_EQ(capture.at("captureId"), "C1");  // transactionId, as Antom's SDK models map it
  EXPECT_EQ(capture.at("captureRequestId"), "cr-C1");
  EXPECT_EQ(capture.at("paymentId"), "P1");
  EXPECT_EQ(capture.at("captureAmount").at("value"), "4200");
  EXPECT_EQ(capture.at("result").at("resultStatus"), "S");
}

TEST(RecoveredNotifications, OnlyFinalOutcomesAreRecovered) {
  const auto processing = parsed(testing::payment_inquiry_answer("P1", "C1", "PROCESSING"));
  ASSERT_EQ(recovered_notifications(InquiryApi::payment, processing).size(), 1u);
  const auto failed = parsed(testing::payment_inquiry_answer("P1", "C1", "FAIL"));
  const auto found = recovered_notifications(InquiryApi::payment, failed);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(parsed(found[1].body).at("result").at("resultStatus"), "F");

  for (const char* status : {"PROCESSING", "PENDING", "CANCELLED"}) {
    auto answer = parsed(testing::payment_inquiry_answer("P1", ""));
    answer["paymentStatus"] = status;
    EXPECT_TRUE(recovered_notifications(InquiryApi::payment, answer).empty()) << status;
  }
}

TEST(RecoveredNotifications, AnInquiryThatDidNotWorkStandsForNothing) {
  for (const char* status : {"F", "U"}) {
    auto answer = parsed(testing::payment_inquiry_answer("P1", "C1"));
    answer["result"].as_object()["resultStatus"] = status;
    EXPECT_EQ(inquiry_result(answer).status, status);
    EXPECT_TRUE(recovered_notifications(InquiryApi::payment, answer).empty()) << status;
  }
}

TEST(RecoveredNotifications, ARefundAnswerIsARefundResult) {
  const auto answer = parsed(
      R"({"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},)"
      R"("refundStatus":"SUCCESS","refundId":"R1","refundRequestId":"rr-1",)"
      R"("refundAmount":{"currency":"SGD","value":"1000"},"refundTime":"2026-11-26T10:00:00+08:00"})");
  const auto found = recovered_notifications(InquiryApi::refund, answer);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, "REFUND_RESULT");
  const auto refund = parsed(found[0].body);
  EXPECT_EQ(refund.at("refundStatus"), "SUCCESS");
  EXPECT_EQ(refund.at("refundId"), "R1");
  EXPECT_FALSE(refund.contains("result"));  // notifyRefund has none; the inquiry's is not it
}

TEST(FollowsFromInquiry, OnlyTheExactBytesOfARecoveredNotification) {
  const std::string answer = testing::payment_inquiry_answer("P1", "C1");
  const std::string path = "/ams/api/v1/payments/inquiryPayment";
  const auto found = recovered_notifications(InquiryApi::payment, parsed(answer));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_TRUE(follows_from_inquiry(path, answer, found[0].body));
  EXPECT_TRUE(follows_from_inquiry(path, answer, found[1].body));

  std::string altered = found[1].body;
  altered.replace(altered.find("4200"), 4, "9999");
  EXPECT_FALSE(follows_from_inquiry(path, answer, altered));
  EXPECT_FALSE(follows_from_inquiry(path, answer, found[1].body + " "));
  EXPECT_FALSE(follows_from_inquiry("/ams/api/v1/payments/inquiryRefund", answer, found[1].body));
  EXPECT_FALSE(follows_from_inquiry("/antom/notify", answer, found[1].body));
  EXPECT_FALSE(follows_from_inquiry(path, "not json", found[1].body));
}

}  // namespace
}  // namespace paynotify
