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

// notifyPayment with UPDATE_AMOUNT_RESULT: the authorized amount changed (protocol notes' sample).
inline const std::string kUpdateAmountResultBody =
    R"({"notifyType":"UPDATE_AMOUNT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"pr-01","paymentId":"202611250001","updateRequestId":"upd-01","paymentAmount":{"currency":"SGD","value":"5200"},"paymentCreateTime":"2026-11-25T12:01:00+08:00"})";

// notifyDispute carries no notifyType: its kind is disputeNotificationType (protocol notes'
// sample).
inline const std::string kDisputeCreatedBody =
    R"({"paymentRequestId":"pr-01","disputeId":"202611260001D1","paymentId":"202611250001","disputeTime":"2026-11-26T10:00:00+08:00","disputeAmount":{"currency":"SGD","value":"4200"},"disputeNotificationType":"DISPUTE_CREATED","disputeReasonMsg":"Fraud - card absent environment","defenseDueTime":"2026-12-03T10:00:00+08:00","defendable":"true"})";

// The same dispute judged: the documented judged fields added.
inline const std::string kDisputeJudgedBody =
    R"({"paymentRequestId":"pr-01","disputeId":"202611260001D1","paymentId":"202611250001","disputeTime":"2026-11-26T10:00:00+08:00","disputeAmount":{"currency":"SGD","value":"4200"},"disputeNotificationType":"DISPUTE_JUDGED","disputeJudgedTime":"2026-12-10T10:00:00+08:00","disputeJudgedAmount":{"currency":"SGD","value":"4200"},"disputeJudgedResult":"ACCEPT_BY_MERCHANT"})";

// notifyVaulting (card vaulting result): no notifyType, no paymentId.
inline const std::string kVaultingBody =
    R"({"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"vaultingRequestId":"vr-01","vaultingStatus":"SUCCESS","paymentMethodDetail":{"paymentMethodType":"CARD","card":{"cardToken":"tok-01","brand":"VISA"}},"vaultingCreateTime":"2026-11-25T12:01:00+08:00"})";

// notifyAuthorization: its kind is authorizationNotifyType; fields differ per product.
inline const std::string kAuthorizationBody =
    R"({"authorizationNotifyType":"AUTHCODE_CREATED","authClientId":"ac-01","authState":"st-01","authCode":"code-01","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}})";

// A payment result for payment `id`, with a distinct merchant request id.
std::string payment_result_body(const std::string& payment_id, const std::string& status = "S");
// A capture result for payment `id` (status S: succeeded, F: failed).
std::string capture_result_body(const std::string& payment_id, const std::string& capture_id,
                                const std::string& status = "S");
// A dispute opened on payment `id`.
std::string dispute_created_body(const std::string& payment_id, const std::string& dispute_id);

// Antom's inquiryPayment answer for that payment: authorized (S), with one CAPTURE transaction
// whose transactionStatus is `capture_status` (SUCCESS, FAIL, PROCESSING); no capture when
// capture_id is empty.
std::string payment_inquiry_answer(const std::string& payment_id, const std::string& capture_id,
                                   const std::string& capture_status = "SUCCESS");

}  // namespace paynotify::testing
