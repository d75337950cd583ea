#include "tests/support/notifications.hpp"

namespace paynotify::testing {

std::string payment_result_body(const std::string& payment_id, const std::string& status) {
  const std::string code = status == "S" ? "SUCCESS" : "PROCESS_FAIL";
  return R"({"notifyType":"PAYMENT_RESULT","result":{"resultCode":")" + code +
         R"(","resultStatus":")" + status + R"(","resultMessage":"m"},"paymentRequestId":"pr-)" +
         payment_id + R"(","paymentId":")" + payment_id +
         R"(","paymentAmount":{"value":"4200","currency":"SGD"},"paymentCreateTime":"2020-01-01T12:01:00+08:30"})";
}

}  // namespace paynotify::testing
