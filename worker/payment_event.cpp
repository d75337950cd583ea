#include "worker/payment_event.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <ctime>

#include "common/antom/notification.hpp"
#include "common/antom/request_time.hpp"

namespace paynotify::worker {
namespace json = boost::json;
namespace {

std::string str(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string result_status(const json::object& o) {
  const auto* r = o.if_contains("result");
  return r && r->is_object() ? str(r->as_object(), "resultStatus") : std::string();
}

json::value string_or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_currency(std::string_view s) {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Field checks for the kinds the worker models: each returns what is wrong, or "" when fine.
std::string require_string(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  const auto* s = v ? v->if_string() : nullptr;
  if (s == nullptr) return std::string(name) + " is required and must be a string";
  if (s->empty()) return std::string(name) + " must not be empty";
  return {};
}

std::string check_amount(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  const auto* amount = v ? v->if_object() : nullptr;
  if (amount == nullptr) return std::string(name) + " is required and must be an object";
  const auto* currency = amount->if_contains("currency");
  if (currency == nullptr || !currency->is_string() || !is_currency(currency->as_string())) {
    return std::string(name) + ".currency must be an ISO 4217 code";
  }
  const auto* value = amount->if_contains("value");
  if (value == nullptr || !value->is_string() || !is_digits(value->as_string())) {
    return std::string(name) + ".value must be an integer string in minor units";
  }
  return {};
}

std::string optional_amount(const json::object& o, std::string_view name) {
  return o.contains(name) ? check_amount(o, name) : std::string();
}

std::string check_result(const json::object& o) {
  const auto* v = o.if_contains("result");
  const auto* result = v ? v->if_object() : nullptr;
  if (result == nullptr) return "result is required and must be an object";
  const std::string status = str(*result, "resultStatus");
  if (status != "S" && status != "F" && status != "U")
    return "result.resultStatus must be S, F or U";
  if (!result->contains("resultCode")) return "result.resultCode is required";
  return {};
}

std::string first_problem(std::initializer_list<std::string> problems) {
  for (const auto& p : problems) {
    if (!p.empty()) return p;
  }
  return {};
}

struct DisputeType {
  std::string_view notification;  // disputeNotificationType
  EventType type;
};
constexpr std::array<DisputeType, 6> kDisputeTypes = {{
    {"DISPUTE_CREATED", EventType::dispute_created},
    {"DISPUTE_JUDGED", EventType::dispute_judged},
    {"DISPUTE_CANCELLED", EventType::dispute_cancelled},
    {"DEFENSE_SUPPLIED", EventType::dispute_defense_supplied},
    {"DEFENSE_DUE_ALERT", EventType::dispute_defense_due_alert},
    {"RDR_RESOLVED", EventType::dispute_rdr_resolved},
}};

// What one kind contributes: the event's type and id, and its fields of the order request.
struct KindFields {
  EventType type{};
  std::string event_id;
  std::string occurred_at;
  json::object fields;
};

struct KindResult {
  std::optional<KindFields> fields;
  NoEvent why_not = NoEvent::none;
  std::string error;
};

KindResult invalid(std::string error) {
  return {std::nullopt, NoEvent::invalid_record, std::move(error)};
}

void copy_if_present(const json::object& from, json::object& to,
                     std::initializer_list<std::string_view> names) {
  for (const auto name : names) {
    if (const auto* v = from.if_contains(name)) to[name] = *v;
  }
}

KindResult payment_result(const json::object& n) {
  if (auto p = first_problem({check_result(n), require_string(n, "paymentRequestId"),
                              require_string(n, "paymentId"), check_amount(n, "paymentAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  const std::string status = result_status(n);
  KindFields k;
  k.type = status == "S"   ? EventType::payment_authorized
           : status == "F" ? EventType::payment_failed
                           : EventType::payment_pending;
  k.event_id = join_event_id({"PAYMENT_RESULT", str(n, "paymentId"), status});
  k.fields["amount"] = n.at("paymentAmount");
  copy_if_present(n, k.fields, {"authExpiryTime"});
  k.occurred_at = str(n, "paymentTime");
  return {std::move(k), NoEvent::none, {}};
}

KindResult payment_pending(const json::object& n) {
  if (auto p = first_problem({check_result(n), require_string(n, "paymentRequestId"),
                              require_string(n, "paymentId"), optional_amount(n, "paymentAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  KindFields k;
  k.type = EventType::payment_pending;
  k.event_id = join_event_id({"PAYMENT_PENDING", str(n, "paymentId")});
  if (const auto* a = n.if_contains("paymentAmount")) k.fields["amount"] = *a;
  return {std::move(k), NoEvent::none, {}};
}

KindResult capture_result(const json::object& n) {
  if (auto p = first_problem({check_result(n), require_string(n, "captureRequestId"),
                              require_string(n, "paymentId"), require_string(n, "captureId"),
                              check_amount(n, "captureAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  const std::string status = result_status(n);
  if (status != "S" && status != "F")
    return invalid("CAPTURE_RESULT with resultStatus " + status + " is not final");
  KindFields k;
  k.type = status == "S" ? EventType::capture_succeeded : EventType::capture_failed;
  k.event_id = join_event_id({"CAPTURE_RESULT", str(n, "paymentId"), str(n, "captureId"), status});
  k.fields["captureId"] = str(n, "captureId");
  k.fields["captureRequestId"] = str(n, "captureRequestId");
  k.fields["amount"] = n.at("captureAmount");
  k.occurred_at = str(n, "captureTime");
  return {std::move(k), NoEvent::none, {}};
}

KindResult refund_result(const json::object& n) {
  if (auto p =
          first_problem({require_string(n, "refundStatus"), require_string(n, "refundRequestId"),
                         require_string(n, "refundId"), check_amount(n, "refundAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  const std::string status = str(n, "refundStatus");
  if (status != "SUCCESS" && status != "FAIL")
    return invalid("REFUND_RESULT with refundStatus " + status + " is not final");
  KindFields k;
  k.type = status == "SUCCESS" ? EventType::refund_succeeded : EventType::refund_failed;
  k.event_id =
      join_event_id({"REFUND_RESULT", str(n, "refundRequestId"), str(n, "refundId"), status});
  k.fields["refundId"] = str(n, "refundId");
  k.fields["refundRequestId"] = str(n, "refundRequestId");
  k.fields["amount"] = n.at("refundAmount");
  k.occurred_at = str(n, "refundTime");
  return {std::move(k), NoEvent::none, {}};
}

// The result of the updateAmount API: the authorized amount is paymentAmount from now on.
KindResult update_amount_result(const json::object& n) {
  if (auto p =
          first_problem({check_result(n), require_string(n, "paymentId"),
                         require_string(n, "updateRequestId"), check_amount(n, "paymentAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  const std::string status = result_status(n);
  if (status != "S" && status != "F")
    return invalid("UPDATE_AMOUNT_RESULT with resultStatus " + status + " is not final");
  KindFields k;
  k.type = status == "S" ? EventType::authorization_amount_updated
                         : EventType::authorization_amount_update_failed;
  k.event_id = join_event_id(
      {"UPDATE_AMOUNT_RESULT", str(n, "paymentId"), str(n, "updateRequestId"), status});
  k.fields["updateRequestId"] = str(n, "updateRequestId");
  k.fields["amount"] = n.at("paymentAmount");
  return {std::move(k), NoEvent::none, {}};
}

// A chargeback: one event per dispute and notification type; the judged result passes on.
KindResult dispute(const json::object& n) {
  if (auto p = first_problem({require_string(n, "disputeNotificationType"),
                              require_string(n, "paymentId"), require_string(n, "disputeId"),
                              optional_amount(n, "disputeAmount"),
                              optional_amount(n, "disputeJudgedAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  const std::string notification_type = str(n, "disputeNotificationType");
  const auto known =
      std::find_if(kDisputeTypes.begin(), kDisputeTypes.end(),
                   [&](const DisputeType& d) { return d.notification == notification_type; });
  if (known == kDisputeTypes.end()) {
    return {std::nullopt, NoEvent::unsupported_kind,
            "disputeNotificationType " + notification_type + " is not modelled"};
  }
  KindFields k;
  k.type = known->type;
  k.event_id =
      join_event_id({"DISPUTE", str(n, "paymentId"), str(n, "disputeId"), notification_type});
  k.fields["disputeId"] = str(n, "disputeId");
  k.fields["disputeNotificationType"] = notification_type;
  k.fields["amount"] = n.contains("disputeAmount") ? n.at("disputeAmount") : json::value(nullptr);
  copy_if_present(n, k.fields,
                  {"disputeReasonMsg", "disputeReasonCode", "disputeJudgedResult",
                   "disputeJudgedAmount", "disputeJudgedTime", "defenseDueTime", "defendable"});
  k.occurred_at =
      str(n, known->type == EventType::dispute_judged ? "disputeJudgedTime" : "disputeTime");
  return {std::move(k), NoEvent::none, {}};
}

KindResult fields_of(const std::string& kind, const json::object& n) {
  if (kind == "PAYMENT_RESULT") return payment_result(n);
  if (kind == "PAYMENT_PENDING") return payment_pending(n);
  if (kind == "CAPTURE_RESULT") return capture_result(n);
  if (kind == "REFUND_RESULT") return refund_result(n);
  if (kind == "UPDATE_AMOUNT_RESULT") return update_amount_result(n);
  if (kind == kDisputeKind) return dispute(n);
  return {std::nullopt, NoEvent::unsupported_kind,
          "notification kind " + kind + " is not modelled by this worker"};
}

// Percent-encodes every byte outside RFC 3986's unreserved set. The id goes out as the
// Idempotency-Key header and into Redis keys, so no byte from a notification may reach
// them raw (a CR or LF would end the header); and with ':' always encoded, the joined id
// splits back into exactly its parts.
void escape_part(std::string_view part, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : part) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
}

}  // namespace

std::string_view event_type_name(EventType t) {
  switch (t) {
    case EventType::payment_authorized: return "PAYMENT_AUTHORIZED";
    case EventType::payment_failed: return "PAYMENT_FAILED";
    case EventType::payment_pending: return "PAYMENT_PENDING";
    case EventType::capture_succeeded: return "CAPTURE_SUCCEEDED";
    case EventType::capture_failed: return "CAPTURE_FAILED";
    case EventType::refund_succeeded: return "REFUND_SUCCEEDED";
    case EventType::refund_failed: return "REFUND_FAILED";
    case EventType::authorization_amount_updated: return "AUTHORIZATION_AMOUNT_UPDATED";
    case EventType::authorization_amount_update_failed: return "AUTHORIZATION_AMOUNT_UPDATE_FAILED";
    case EventType::dispute_created: return "DISPUTE_CREATED";
    case EventType::dispute_judged: return "DISPUTE_JUDGED";
    case EventType::dispute_cancelled: return "DISPUTE_CANCELLED";
    case EventType::dispute_defense_supplied: return "DISPUTE_DEFENSE_SUPPLIED";
    case EventType::dispute_defense_due_alert: return "DISPUTE_DEFENSE_DUE_ALERT";
    case EventType::dispute_rdr_resolved: return "DISPUTE_RDR_RESOLVED";
  }
  return "UNKNOWN";
}

std::optional<std::string> stale_replay(std::string_view request_time, int64_t received_at_ms,
                                        int64_t stale_after_ms) {
  // Both times are bounded (parse_request_time_ms: years 0000-9999) before any arithmetic.
  if (stale_after_ms <= 0 || received_at_ms <= 0 || received_at_ms > kLatestRequestTimeMs)
    return std::nullopt;
  const auto signed_at = parse_request_time_ms(request_time);
  if (!signed_at || received_at_ms - *signed_at <= stale_after_ms) return std::nullopt;
  return "signed " + std::to_string((received_at_ms - *signed_at) / 3600000) +
         " h before it was received (request-time " + std::string(request_time.substr(0, 64)) +
         "): a replay, not one of Antom's re-sends";
}

std::string join_event_id(std::initializer_list<std::string_view> parts) {
  std::string id;
  bool first = true;
  for (const auto part : parts) {
    if (!first) id += ':';  // also after an empty part: {"", "a"} is ":a", never "a"
    first = false;
    escape_part(part, id);
  }
  return id;
}

std::string iso8601_utc(int64_t epoch_ms) {
  const std::time_t t = epoch_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(epoch_ms % 1000));
  return out;
}

EventDerivation derive_event(std::string_view body, int64_t received_at_ms) {
  EventDerivation out;
  auto doc = parse_notification(body);
  if (!doc) {
    out.kind = std::string(kUnknownKind);
    out.why_not = NoEvent::invalid_record;
    out.error = "record value is not a JSON object";
    return out;
  }
  const json::object& n = *doc;
  const NotificationRoute route = route_notification(n);
  out.kind = route.kind;
  KindResult k = fields_of(route.kind, n);
  if (!k.fields) {
    out.why_not = k.why_not;
    out.error = std::move(k.error);
    return out;
  }
  PaymentEvent e;
  e.type = k.fields->type;
  e.event_id = std::move(k.fields->event_id);
  e.payment_id = route.payment_id;
  e.order_key = partition_key(route, "");
  json::object request = std::move(k.fields->fields);
  request["eventId"] = e.event_id;
  request["type"] = event_type_name(e.type);
  request["paymentId"] = string_or_null(e.payment_id);
  request["paymentRequestId"] = string_or_null(str(n, "paymentRequestId"));
  if (const auto* r = n.if_contains("result"); r && r->is_object()) {
    request["resultCode"] = string_or_null(str(r->as_object(), "resultCode"));
    request["resultMessage"] = string_or_null(str(r->as_object(), "resultMessage"));
  } else {
    request["resultCode"] = nullptr;
    request["resultMessage"] = nullptr;
  }
  request["occurredAt"] = string_or_null(k.fields->occurred_at);
  request["receivedAt"] =
      received_at_ms > 0 ? json::value(iso8601_utc(received_at_ms)) : json::value(nullptr);
  request["notification"] = std::move(*doc);
  e.order_request = std::move(request);
  out.event = std::move(e);
  return out;
}

}  // namespace paynotify::worker
