#include "common/notification.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <vector>

namespace paynotify {
namespace json = boost::json;
namespace {

const json::string* string_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v ? v->if_string() : nullptr;
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_currency(std::string_view s) {
  return s.size() == 3 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Each check returns an empty string when the field is fine, else what is wrong with it.
std::string require_string(const json::object& o, std::string_view name) {
  const auto* s = string_field(o, name);
  if (s == nullptr) return std::string(name) + " is required and must be a string";
  if (s->empty()) return std::string(name) + " must not be empty";
  return {};
}

std::string require_amount(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  const auto* amount = v ? v->if_object() : nullptr;
  if (amount == nullptr) return std::string(name) + " is required and must be an object";
  const auto* currency = string_field(*amount, "currency");
  if (currency == nullptr || !is_currency(*currency)) {
    return std::string(name) + ".currency must be an ISO 4217 code";
  }
  const auto* value = string_field(*amount, "value");
  if (value == nullptr || !is_digits(*value)) {
    return std::string(name) + ".value must be an integer string in minor units";
  }
  return {};
}

std::string require_result(const json::object& o) {
  const auto* v = o.if_contains("result");
  const auto* result = v ? v->if_object() : nullptr;
  if (result == nullptr) return "result is required and must be an object";
  const auto* status = string_field(*result, "resultStatus");
  if (status == nullptr || (*status != "S" && *status != "F" && *status != "U")) {
    return "result.resultStatus must be S, F or U";
  }
  if (string_field(*result, "resultCode") == nullptr) return "result.resultCode is required";
  return {};
}

std::string check_required(const json::object& o, NotifyType type) {
  std::vector<std::string> problems;
  auto add = [&](std::string p) {
    if (!p.empty()) problems.push_back(std::move(p));
  };
  switch (type) {
    case NotifyType::payment_result:
      add(require_result(o));
      add(require_string(o, "paymentRequestId"));
      add(require_string(o, "paymentId"));
      add(require_amount(o, "paymentAmount"));
      break;
    case NotifyType::payment_pending:
      add(require_result(o));
      add(require_string(o, "paymentRequestId"));
      add(require_string(o, "paymentId"));
      break;
    case NotifyType::capture_result:
      add(require_result(o));
      add(require_string(o, "captureRequestId"));
      add(require_string(o, "paymentId"));
      add(require_string(o, "captureId"));
      add(require_amount(o, "captureAmount"));
      break;
    case NotifyType::refund_result:
      add(require_string(o, "refundStatus"));
      add(require_string(o, "refundRequestId"));
      add(require_string(o, "refundId"));
      add(require_amount(o, "refundAmount"));
      break;
    case NotifyType::unknown:
      break;
  }
  return problems.empty() ? std::string{} : problems.front();
}

std::string first_string(const json::object& o, std::initializer_list<std::string_view> names) {
  for (const auto name : names) {
    if (const auto* s = string_field(o, name); s != nullptr && !s->empty()) return std::string(*s);
  }
  return {};
}

}  // namespace

NotifyType notify_type_from(std::string_view text) {
  if (text == "PAYMENT_RESULT") return NotifyType::payment_result;
  if (text == "PAYMENT_PENDING") return NotifyType::payment_pending;
  if (text == "CAPTURE_RESULT") return NotifyType::capture_result;
  if (text == "REFUND_RESULT") return NotifyType::refund_result;
  return NotifyType::unknown;
}

NotificationCheck check_notification(const json::object& body) {
  NotificationCheck out;
  const auto* type = string_field(body, "notifyType");
  if (type == nullptr || type->empty()) {
    out.error = "notifyType is required and must be a string";
    return out;
  }
  out.summary.notify_type = std::string(*type);
  out.summary.type = notify_type_from(*type);
  if (auto problem = check_required(body, out.summary.type); !problem.empty()) {
    out.error = std::move(problem);
    return out;
  }
  out.summary.payment_id = first_string(body, {"paymentId"});
  out.summary.merchant_request =
      first_string(body, {"paymentRequestId", "captureRequestId", "refundRequestId"});
  out.ok = true;
  return out;
}

NotificationCheck check_notification(std::string_view body) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 32;
  const json::value doc = json::parse(body, ec, {}, options);
  if (ec) {
    NotificationCheck out;
    out.error = "body is not valid JSON";
    return out;
  }
  if (!doc.is_object()) {
    NotificationCheck out;
    out.error = "body must be a JSON object";
    return out;
  }
  return check_notification(doc.as_object());
}

std::string partition_key(const NotificationSummary& summary, std::string_view fallback) {
  if (!summary.payment_id.empty()) return summary.payment_id;
  if (!summary.merchant_request.empty()) return summary.merchant_request;
  return std::string(fallback);
}

}  // namespace paynotify
