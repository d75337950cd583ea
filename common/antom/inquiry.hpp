#pragma once
// Asking Antom what became of a payment or a refund (inquiryPayment, inquiryRefund), and which
// notifications its answer stands for: what reconciliation publishes when a notification never
// arrived (README "Reconciliation"). Pure; the HTTP exchange is antom_api_client.hpp's.

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paynotify {

enum class InquiryApi { payment, refund };

// The API's request path for a client id. Antom's SDKs call /ams/sandbox/api/... for client
// ids that start with SANDBOX_, /ams/api/... for the others.
std::string inquiry_path(InquiryApi api, std::string_view client_id);
// Which inquiry a request path names (either form); nothing for any other path.
std::optional<InquiryApi> inquiry_api_of(std::string_view path);

// What to ask about: one id, by the field Antom's request names it with.
struct InquiryTarget {
  enum class By { payment_id, payment_request_id, refund_id, refund_request_id };
  By by = By::payment_id;
  std::string id;

  InquiryApi api() const;
  std::string_view field() const;  // paymentId, paymentRequestId, refundId, refundRequestId
  std::string body() const;        // {"paymentId":"..."}
};

// Whether an answer is about what was asked: its paymentId (paymentRequestId, refundId,
// refundRequestId) is the id asked for. A signed answer about another payment is Antom's word,
// but not about this one: compared with this payment's ledger it would mislead.
bool answers_about(const boost::json::object& answer, const InquiryTarget& target);

// The inquiry's own result (`result`): S when Antom answered about the payment or refund, F when
// it could not (ORDER_NOT_EXIST, ...), U when it could not yet (ask again later). Not the state
// of the payment: that is paymentStatus / refundStatus.
struct InquiryResult {
  std::string status;  // S, F, U; "" when the answer has no result
  std::string code;
  std::string message;
};
InquiryResult inquiry_result(const boost::json::object& answer);

// A notification an answer stands for, with the fields Antom documents for that notification.
// Its event id (DESIGN.md "Event identity") is the one Antom's own notification derives, so a
// late notification and a recovered one dedupe against each other.
struct RecoveredNotification {
  std::string kind;  // PAYMENT_RESULT, CAPTURE_RESULT or REFUND_RESULT
  std::string body;  // JSON, fields in a fixed order: the same answer always gives the same bytes
};

// Only final outcomes are recovered: a payment or a capture still PROCESSING or PENDING stands
// for no notification yet, and a CANCELLED payment for none at all (Antom notifies no cancel).
// A capture is a CAPTURE transaction of inquiryPayment's answer: transactionId is its captureId
// and transactionRequestId its captureRequestId, as Antom's SDK models map them.
std::vector<RecoveredNotification> recovered_notifications(InquiryApi api,
                                                           const boost::json::object& answer);

// Whether `value` is, byte for byte, one of the notifications that an inquiry answer sent for
// `path` stands for: how the worker trusts a recovered record only as far as Antom's signed
// answer goes (worker/record_signature.cpp).
bool follows_from_inquiry(std::string_view path, std::string_view answer_body,
                          std::string_view value);

}  // namespace paynotify
