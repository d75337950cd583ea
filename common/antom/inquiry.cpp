#include "common/antom/inquiry.hpp"

#include "common/antom/notification.hpp"

#include <boost/json/serialize.hpp>

namespace paynotify {

namespace json = boost::json;

namespace {

constexpr std::string_view kLivePrefix = "/ams/api/v1/";
constexpr std::string_view kSandboxPrefix = "/ams/sandbox/api/v1/";
constexpr std::string_view kPaymentApi = "payments/inquiryPayment";
constexpr std::string_view kRefundApi = "payments/inquiryRefund";

std::string_view text_of(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

void copy_present(const json::object& from, json::object& to,
                  std::initializer_list<std::string_view> names) {
  for (const auto name : names) {
    if (const auto* v = from.if_contains(name)) to[name] = *v;
  }
}

// The `result` of a recovered notification: S or F, with the code and message Antom gave for
// the outcome, or the plain ones its notifications use when it gave none.
json::object outcome(bool succeeded, std::string_view code, std::string_view message) {
  const std::string_view status = succeeded ? "S" : "F";
  if (code.empty()) code = succeeded ? "SUCCESS" : "FAIL";
  if (message.empty()) message = succeeded ? "success" : "failed";
  return {{"resultCode", code}, {"resultStatus", status}, {"resultMessage", message}};
}

// SUCCESS / FAIL are final; anything else (PROCESSING, PENDING, CANCELLED, ...) is not a result
// Antom notifies.
std::optional<bool> final_status(std::string_view status) {
  if (status == "SUCCESS") return true;
  if (status == "FAIL") return false;
  return std::nullopt;
}

void recover_payment(const json::object& answer, std::vector<RecoveredNotification>& out) {
  const auto succeeded = final_status(text_of(answer, "paymentStatus"));
  if (!succeeded) return;
  json::object n;
  n["notifyType"] = "PAYMENT_RESULT";
  n["result"] = outcome(*succeeded, text_of(answer, "paymentResultCode"),
                        text_of(answer, "paymentResultMessage"));
  copy_present(answer, n,
               {"paymentRequestId", "paymentId", "paymentAmount", "paymentCreateTime",
                "paymentTime", "authExpiryTime", "acquirerReferenceNo"});
  out.push_back({"PAYMENT_RESULT", json::serialize(n)});
}

void recover_captures(const json::object& answer, std::vector<RecoveredNotification>& out) {
  const auto* list = answer.if_contains("transactions");
  if (list == nullptr || !list->is_array()) return;
  for (const auto& item : list->get_array()) {
    const auto* t = item.if_object();
    if (t == nullptr || text_of(*t, "transactionType") != "CAPTURE") continue;
    const auto succeeded = final_status(text_of(*t, "transactionStatus"));
    if (!succeeded) continue;
    std::string_view code, message;
    if (const auto* r = t->if_contains("transactionResult"); r != nullptr && r->is_object()) {
      code = text_of(r->get_object(), "resultCode");
      message = text_of(r->get_object(), "resultMessage");
    }
    json::object n;
    n["notifyType"] = "CAPTURE_RESULT";
    n["result"] = outcome(*succeeded, code, message);
    copy_present(answer, n, {"paymentId"});
    if (const auto* v = t->if_contains("transactionId")) n["captureId"] = *v;
    if (const auto* v = t->if_contains("transactionRequestId")) n["captureRequestId"] = *v;
    if (const auto* v = t->if_contains("transactionAmount")) n["captureAmount"] = *v;
    if (const auto* v = t->if_contains("transactionTime")) n["captureTime"] = *v;
    out.push_back({"CAPTURE_RESULT", json::serialize(n)});
  }
}

void recover_refund(const json::object& answer, std::vector<RecoveredNotification>& out) {
  const std::string_view status = text_of(answer, "refundStatus");
  if (!final_status(status)) return;
  // notifyRefund carries no `result`: refundStatus is its outcome.
  json::object n;
  n["notifyType"] = "REFUND_RESULT";
  n["refundStatus"] = status;
  copy_present(answer, n, {"refundRequestId", "refundId", "refundAmount", "refundTime"});
  out.push_back({"REFUND_RESULT", json::serialize(n)});
}

}  // namespace

std::string inquiry_path(InquiryApi api, std::string_view client_id) {
  std::string path(client_id.starts_with("SANDBOX_") ? kSandboxPrefix : kLivePrefix);
  path += api == InquiryApi::payment ? kPaymentApi : kRefundApi;
  return path;
}

std::optional<InquiryApi> inquiry_api_of(std::string_view path) {
  for (const auto prefix : {kLivePrefix, kSandboxPrefix}) {
    if (!path.starts_with(prefix)) continue;
    const auto api = path.substr(prefix.size());
    if (api == kPaymentApi) return InquiryApi::payment;
    if (api == kRefundApi) return InquiryApi::refund;
  }
  return std::nullopt;
}

InquiryApi InquiryTarget::api() const {
  return by == By::refund_id || by == By::refund_request_id ? InquiryApi::refund
                                                            : InquiryApi::payment;
}

std::string_view InquiryTarget::field() const {
  switch (by) {
    case By::payment_id: return "paymentId";
    case By::payment_request_id: return "paymentRequestId";
    case By::refund_id: return "refundId";
    case By::refund_request_id: return "refundRequestId";
  }
  return "paymentId";
}

std::string InquiryTarget::body() const { return json::serialize(json::object{{field(), id}}); }

bool answers_about(const json::object& answer, const InquiryTarget& target) {
  return text_of(answer, target.field()) == target.id;
}

InquiryResult inquiry_result(const json::object& answer) {
  const auto* v = answer.if_contains("result");
  if (v == nullptr || !v->is_object()) return {};
  const auto& r = v->get_object();
  return {std::string(text_of(r, "resultStatus")), std::string(text_of(r, "resultCode")),
          std::string(text_of(r, "resultMessage"))};
}

std::vector<RecoveredNotification> recovered_notifications(InquiryApi api,
                                                           const json::object& answer) {
  std::vector<RecoveredNotification> out;
  if (inquiry_result(answer).status != "S") return out;
  if (api == InquiryApi::payment) {
    recover_payment(answer, out);
    recover_captures(answer, out);
  } else {
    recover_refund(answer, out);
  }
  return out;
}

bool follows_from_inquiry(std::string_view path, std::string_view answer_body,
                          std::string_view value) {
  const auto api = inquiry_api_of(path);
  if (!api) return false;
  const auto answer = parse_notification(answer_body);  // Antom's JSON, depth bounded
  if (!answer) return false;
  for (const auto& n : recovered_notifications(*api, *answer)) {
    if (n.body == value) return true;
  }
  return false;
}

}  // namespace paynotify
