#include "tests/support/notifications.hpp"

namespace paynotify::testing {

std::string payment_result_body(const std::string& payment_id, const std::string& status) {
  const std::string code = status == "S" ? "SUCCESS" : "PROCESS_FAIL";
  return R"({"notifyType":"PAYMENT_RESULT","result":{"resultCode":")" + code +
         R"(","resultStatus":")" + status + R"(","resultMessage":"m"},"paymentRequestId":"pr-)" +
         payment_id + R"(","paymentId":")" + payment_id +
         R"(","paymentAmount":{"value":"4200","currency":"SGD"},"paymentCreateTime":"2020-01-01T12:01:00+08:30"})";
}

std::string capture_result_body(const std::string& payment_id, const std::string& capture_id,
                                const std::string& status) {
  const std::string code = status == "S" ? "SUCCESS" : "PROCESS_FAIL";
  return R"({"notifyType":"CAPTURE_RESULT","captureAmount":{"currency":"SGD","value":"4200"},"captureId":")" +
         capture_id + R"(","captureRequestId":"cr-)" + capture_id + R"(","paymentId":")" +
         payment_id + R"(","result":{"resultCode":")" + code + R"(","resultStatus":")" + status +
         R"(","resultMessage":"m"}})";
}

std::string dispute_created_body(const std::string& payment_id, const std::string& dispute_id) {
  return R"({"paymentRequestId":"pr-)" + payment_id + R"(","disputeId":")" + dispute_id +
         R"(","paymentId":")" + payment_id +
         R"(","disputeTime":"2026-11-26T10:00:00+08:00","disputeAmount":{"currency":"SGD","value":"4200"},)"
         R"("disputeNotificationType":"DISPUTE_CREATED","disputeReasonMsg":"Fraud","defenseDueTime":"2026-12-03T10:00:00+08:00","defendable":"true"})";
}

std::string payment_inquiry_answer(const std::string& payment_id, const std::string& capture_id,
                                   const std::string& capture_status) {
  std::string capture;
  if (!capture_id.empty()) {
    capture =
        R"({"transactionType":"CAPTURE","transactionStatus":")" + capture_status +
        R"(","transactionId":")" + capture_id + R"(","transactionRequestId":"cr-)" + capture_id +
        R"(","transactionAmount":{"currency":"SGD","value":"4200"},"transactionTime":"2026-11-25T12:05:00+08:00","transactionResult":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}})";
  }
  return R"({"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentStatus":"SUCCESS","paymentResultCode":"SUCCESS","paymentResultMessage":"success","paymentRequestId":"pr-)" +
         payment_id + R"(","paymentId":")" + payment_id +
         R"(","paymentAmount":{"currency":"SGD","value":"4200"},"paymentCreateTime":"2026-11-25T12:01:00+08:00","paymentTime":"2026-11-25T12:01:01+08:00","authExpiryTime":"2026-12-02T12:01:01+08:00","transactions":[{"transactionType":"PAYMENT","transactionStatus":"SUCCESS","transactionId":")" +
         payment_id + R"(","transactionAmount":{"currency":"SGD","value":"4200"}})" +
         (capture.empty() ? "" : "," + capture) + "]}";
}

}  // namespace paynotify::testing
