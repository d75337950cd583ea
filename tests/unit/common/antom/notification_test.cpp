#include "common/antom/notification.hpp"

#include <gtest/gtest.h>

#include "tests/support/notifications.hpp"

namespace paynotify {
namespace {

struct Case {
  std::string name;
  std::string body;
  std::string kind;
  std::string payment_id;
  std::string merchant_request;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Routing : public ::testing::TestWithParam<Case> {};

// Every documented kind (the protocol notes' sample bodies) and what a verified body may hold
// beyond them: each gets a kind and a key, none is refused.
TEST_P(Routing, EveryBodyGetsAKindAndAKey) {
  const auto& c = GetParam();
  const NotificationRoute r = route_notification(c.body);
  EXPECT_EQ(r.kind, c.kind);
  EXPECT_EQ(r.payment_id, c.payment_id);
  EXPECT_EQ(r.merchant_request, c.merchant_request);
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, Routing,
    ::testing::Values(
        Case{"payment_result", testing::kPaymentResultBody, "PAYMENT_RESULT",
             "2020010123456789XXXX", "pr-01"},
        Case{"capture_result", testing::kCaptureResultBody, "CAPTURE_RESULT", "2022XXXXXXX",
             "cr-01"},
        Case{"refund_result", testing::kRefundResultBody, "REFUND_RESULT", "", "rr-01"},
        Case{"update_amount", testing::kUpdateAmountResultBody, "UPDATE_AMOUNT_RESULT",
             "202611250001", "pr-01"},
        Case{"dispute_created", testing::kDisputeCreatedBody, "DISPUTE", "202611250001", "pr-01"},
        Case{"dispute_judged", testing::kDisputeJudgedBody, "DISPUTE", "202611250001", "pr-01"},
        Case{"vaulting", testing::kVaultingBody, "VAULTING", "", "vr-01"},
        Case{"authorization", testing::kAuthorizationBody, "AUTHORIZATION", "", ""},
        Case{"refund_without_refund_id",
             R"({"notifyType":"REFUND_RESULT","refundStatus":"SUCCESS","refundRequestId":"rr-9"})",
             "REFUND_RESULT", "", "rr-9"},
        Case{"new_kind_kept", R"({"notifyType":"NEW_KIND","paymentId":"p"})", "NEW_KIND", "p", ""},
        Case{"kind_not_a_name", R"({"notifyType":"a b\nc","paymentId":"p"})", "UNKNOWN", "p", ""},
        Case{"kind_not_a_string", R"({"notifyType":5})", "UNKNOWN", "", ""},
        Case{"no_kind_field", R"({"paymentId":"p","amount":1})", "UNKNOWN", "p", ""},
        Case{"payment_id_not_a_string", R"({"notifyType":"PAYMENT_RESULT","paymentId":7})",
             "PAYMENT_RESULT", "", ""},
        Case{"not_json", "{\"notifyType\":", "UNKNOWN", "", ""},
        Case{"last_duplicate_counts", R"({"paymentId":"a","notifyType":"X","paymentId":"b"})", "X",
             "b", ""},
        Case{"last_duplicate_not_a_string", R"({"notifyType":"X","notifyType":5})", "UNKNOWN", "",
             ""},
        Case{"duplicate_as_object", R"({"notifyType":"X","paymentId":"a","paymentId":{"p":"q"}})",
             "X", "", ""},
        Case{"escaped_key_and_value", R"({"notify\u0054ype":"X","payment\u0049d":"p\u0031"})", "X",
             "p1", ""},
        Case{"nested_fields_are_not_the_top",
             R"({"notifyType":"X","info":{"paymentId":"in"},)"
             R"("list":["paymentId","x"],"refundRequestId":"rr"})",
             "X", "", "rr"},
        Case{"long_key_is_no_field",
             R"({"notifyType":"X","paymentIdOfAnotherKindThanAntoms\u0021":"no","paymentId":"p"})",
             "X", "p", ""},
        Case{"value_in_an_array", R"({"notifyType":"X","paymentId":["p"]})", "X", "", ""},
        Case{"trailing_data", R"({"notifyType":"X"} {})", "UNKNOWN", "", ""},
        Case{"trailing_blanks", "{\"notifyType\":\"X\"}\n ", "X", "", ""},
        Case{"top_level_string", R"("notifyType")", "UNKNOWN", "", ""},
        Case{"array", "[1,2]", "UNKNOWN", "", ""}, Case{"empty", "", "UNKNOWN", "", ""}),
    [](const auto& param_info) { return param_info.param.name; });

// The ingest routes while parsing, the worker from the document: both must key a payment the
// same, or its events could land on different partitions and lose their order.
TEST_P(Routing, ReadingTheBodyAndReadingItsDocumentAgree) {
  const auto& c = GetParam();
  const auto doc = parse_notification(c.body);
  const NotificationRoute streamed = route_notification(c.body);
  if (!doc) {  // not a JSON object: no kind of its own
    EXPECT_EQ(streamed.kind, kUnknownKind);
    return;
  }
  const NotificationRoute from_doc = route_notification(*doc);
  EXPECT_EQ(streamed.kind, from_doc.kind);
  EXPECT_EQ(streamed.payment_id, from_doc.payment_id);
  EXPECT_EQ(streamed.merchant_request, from_doc.merchant_request);
}

TEST(Routing, DeepNestingIsRoutedAsUnknownNotCrashed) {
  const std::string deep =
      "{\"notifyType\":\"X\",\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  EXPECT_EQ(route_notification(deep).kind, "UNKNOWN");
}

TEST(PartitionKey, PrefersPaymentIdThenMerchantRequestThenFallback) {
  NotificationRoute r{"K", "P", "R"};
  EXPECT_EQ(partition_key(r, "I"), "P");
  r.payment_id.clear();
  EXPECT_EQ(partition_key(r, "I"), "R");
  r.merchant_request.clear();
  EXPECT_EQ(partition_key(r, "I"), "I");
}

}  // namespace
}  // namespace paynotify
