#include "common/notification.hpp"

#include <gtest/gtest.h>

#include "tests/support/notifications.hpp"

namespace paynotify {
namespace {

TEST(Notification, ProtocolExamplesPass) {
  for (const auto& body : {testing::kPaymentResultBody, testing::kCaptureResultBody, testing::kRefundResultBody}) {
    const auto c = check_notification(body);
    EXPECT_TRUE(c.ok) << c.error << " in " << body;
  }
  const auto capture = check_notification(testing::kCaptureResultBody);
  EXPECT_EQ(capture.summary.type, NotifyType::capture_result);
  EXPECT_EQ(capture.summary.payment_id, "2022XXXXXXX");
  EXPECT_EQ(capture.summary.merchant_request, "cr-01");
}

struct Case {
  std::string name;
  std::string body;
  std::string error_mentions;  // empty: must pass
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class NotificationTable : public ::testing::TestWithParam<Case> {};

TEST_P(NotificationTable, ChecksRequiredFields) {
  const auto& c = GetParam();
  const auto r = check_notification(c.body);
  if (c.error_mentions.empty()) {
    EXPECT_TRUE(r.ok) << r.error;
  } else {
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find(c.error_mentions), std::string::npos) << r.error;
  }
}

const std::string kResult = R"("result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"ok"})";

INSTANTIATE_TEST_SUITE_P(
    Bodies, NotificationTable,
    ::testing::Values(
        Case{"not_json", "{\"notifyType\":", "not valid JSON"},
        Case{"array", "[1,2]", "JSON object"},
        Case{"no_type", "{\"paymentId\":\"p\"}", "notifyType"},
        Case{"type_not_string", "{\"notifyType\":5}", "notifyType"},
        Case{"unknown_type_kept", "{\"notifyType\":\"DISPUTE_RESULT\",\"anything\":[1]}", ""},
        Case{"pending_minimal",
             "{\"notifyType\":\"PAYMENT_PENDING\"," + kResult + ",\"paymentRequestId\":\"r\",\"paymentId\":\"p\"}", ""},
        Case{"payment_without_amount",
             "{\"notifyType\":\"PAYMENT_RESULT\"," + kResult + ",\"paymentRequestId\":\"r\",\"paymentId\":\"p\"}",
             "paymentAmount"},
        Case{"payment_bad_status",
             R"({"notifyType":"PAYMENT_RESULT","result":{"resultCode":"X","resultStatus":"Q"},"paymentRequestId":"r","paymentId":"p","paymentAmount":{"currency":"SGD","value":"1"}})",
             "resultStatus"},
        Case{"payment_amount_not_integer",
             "{\"notifyType\":\"PAYMENT_RESULT\"," + kResult +
                 R"(,"paymentRequestId":"r","paymentId":"p","paymentAmount":{"currency":"SGD","value":"42.00"}})",
             "paymentAmount.value"},
        Case{"payment_bad_currency",
             "{\"notifyType\":\"PAYMENT_RESULT\"," + kResult +
                 R"(,"paymentRequestId":"r","paymentId":"p","paymentAmount":{"currency":"sgd","value":"42"}})",
             "paymentAmount.currency"},
        Case{"capture_without_capture_id",
             "{\"notifyType\":\"CAPTURE_RESULT\"," + kResult +
                 R"(,"captureRequestId":"c","paymentId":"p","captureAmount":{"currency":"SGD","value":"1"}})",
             "captureId"},
        Case{"capture_payment_id_empty",
             "{\"notifyType\":\"CAPTURE_RESULT\"," + kResult +
                 R"(,"captureRequestId":"c","captureId":"x","paymentId":"","captureAmount":{"currency":"SGD","value":"1"}})",
             "paymentId"},
        Case{"refund_without_status",
             R"({"notifyType":"REFUND_RESULT","refundRequestId":"r","refundId":"f","refundAmount":{"currency":"SGD","value":"1"}})",
             "refundStatus"},
        Case{"unknown_fields_are_fine",
             "{\"notifyType\":\"PAYMENT_PENDING\"," + kResult +
                 R"(,"paymentRequestId":"r","paymentId":"p","newField":{"x":[1,2]}})",
             ""}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(Notification, DeepNestingIsRejectedNotCrashed) {
  std::string deep = "{\"notifyType\":\"X\",\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  EXPECT_FALSE(check_notification(deep).ok);
}

TEST(PartitionKey, PrefersPaymentIdThenMerchantRequestThenFallback) {
  NotificationSummary s;
  s.payment_id = "P";
  s.merchant_request = "R";
  EXPECT_EQ(partition_key(s, "I"), "P");
  s.payment_id.clear();
  EXPECT_EQ(partition_key(s, "I"), "R");
  s.merchant_request.clear();
  EXPECT_EQ(partition_key(s, "I"), "I");
}

}  // namespace
}  // namespace paynotify
