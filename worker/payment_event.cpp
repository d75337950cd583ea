#include "worker/payment_event.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <ctime>

#include "common/antom/notification.hpp"
#include "common/antom/request_time.hpp"
#include "worker/kinds/notification_fields.hpp"

namespace paynotify::worker {
namespace json = boost::json;
namespace {

// Assigned in place, so the string is made in the object's own memory.
void set_string_or_null(json::object& o, std::string_view key, std::string_view s) {
  if (s.empty()) {
    o[key] = nullptr;
  } else {
    o[key] = s;
  }
}

// Why a routed kind has no spec: a subtype missing, or a kind not modelled.
EventDerivation no_kind(std::string kind, const json::object& n) {
  EventDerivation out;
  out.kind = std::move(kind);
  out.why_not = NoEvent::unsupported_kind;
  const std::string_view field = subtype_field(out.kind);
  if (field.empty()) {
    out.error = "notification kind " + out.kind + " is not modelled by this worker";
  } else if (auto problem = fields::require_string(n, field); !problem.empty()) {
    out.why_not = NoEvent::invalid_record;
    out.error = std::move(problem);
  } else {
    out.error = std::string(field) + " " + fields::text(n, field) + " is not modelled";
  }
  return out;
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

EventDerivation derive_event(std::string_view body, int64_t received_at_ms,
                             json::storage_ptr memory) {
  auto doc = parse_notification(body, std::move(memory));
  if (!doc) {
    EventDerivation out;
    out.kind = std::string(kUnknownKind);
    out.why_not = NoEvent::invalid_record;
    out.error = "record value is not a JSON object";
    return out;
  }
  const json::object& n = *doc;
  const NotificationRoute route = route_notification(n);
  const KindSpec* spec = find_kind(route.kind, n);
  if (spec == nullptr) return no_kind(route.kind, n);
  KindDerivation k = spec->derive(n);
  EventDerivation out;
  out.kind = route.kind;
  if (!k.event) {
    out.why_not = k.why_not;
    out.error = std::move(k.error);
    return out;
  }
  const std::string& event_id = k.event->event_id;
  // Built in the notification's memory and constructed in place below: a json::object
  // assigned to one of another memory would be copied.
  json::object request = std::move(k.event->fields);
  request["eventId"] = event_id;
  request["type"] = k.event->type;
  set_string_or_null(request, "paymentId", route.payment_id);
  set_string_or_null(request, "paymentRequestId", fields::text(n, "paymentRequestId"));
  if (const auto* r = n.if_contains("result"); r && r->is_object()) {
    set_string_or_null(request, "resultCode", fields::text(r->as_object(), "resultCode"));
    set_string_or_null(request, "resultMessage", fields::text(r->as_object(), "resultMessage"));
  } else {
    request["resultCode"] = nullptr;
    request["resultMessage"] = nullptr;
  }
  if (!request.contains("amount")) request["amount"] = nullptr;  // the contract's field, always
  set_string_or_null(request, "occurredAt", k.event->occurred_at);
  set_string_or_null(request, "receivedAt", received_at_ms > 0 ? iso8601_utc(received_at_ms) : "");
  request["notification"] = std::move(*doc);
  PaymentEvent e{.type = k.event->type,
                 .event_id = event_id,
                 .payment_id = route.payment_id,
                 .order_key = partition_key(route, ""),
                 .order_request = std::move(request),
                 .ledger = std::move(k.event->ledger)};
  e.ledger.event_id = e.event_id;
  e.ledger.payment_id = e.payment_id;
  out.event = std::move(e);
  return out;
}

}  // namespace paynotify::worker
