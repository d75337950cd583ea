#pragma once
// The notification bodies of the protocol notes, as tests send them.

#include <string>

namespace paynotify::testing {

inline const std::string kPaymentResultBody =
    R"({"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"pr-01","paymentId":"2020010123456789XXXX","paymentAmount":{"value":"4200","currency":"SGD"},"paymentCreateTime":"2020-01-01T12:01:00+08:30","paymentTime":"2020-01-01T12:01:01+08:30"})";

inline const std::string kCaptureResultBody =
    R"({"captureAmount":{"currency":"SGD","value":"4200"},"notifyType":"CAPTURE_RESULT","captureId":"2022XXXXXXX","captureRequestId":"cr-01","captureTime":"2022-11-10T00:34:52-08:00","paymentId":"2022XXXXXXX","result":{"resultCode":"SUCCESS","resultMessage":"success.","resultStatus":"S"}})";

inline const std::string kRefundResultBody =
    R"({"notifyType":"REFUND_RESULT","refundStatus":"SUCCESS","refundRequestId":"rr-01","refundId":"2023REFUND01","refundAmount":{"currency":"SGD","value":"1000"},"refundTime":"2023-01-01T10:00:00+08:00","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}})";

// A payment result for payment `id`, with a distinct merchant request id.
std::string payment_result_body(const std::string& payment_id, const std::string& status = "S");

}  // namespace paynotify::testing
