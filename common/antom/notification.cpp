#include "common/antom/notification.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>

#include <algorithm>

namespace paynotify {
namespace json = boost::json;
namespace {

std::string_view string_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  const auto* s = v ? v->if_string() : nullptr;
  return s ? std::string_view(*s) : std::string_view();
}

// A kind becomes a Kafka header and a metric label: only Antom's form of names passes as is.
bool is_kind_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string kind_of(const json::object& body) {
  if (body.contains("notifyType")) {
    const std::string_view type = string_field(body, "notifyType");
    return std::string(is_kind_name(type) ? type : kUnknownKind);
  }
  if (body.contains("disputeNotificationType")) return std::string(kDisputeKind);
  if (body.contains("authorizationNotifyType")) return std::string(kAuthorizationKind);
  if (body.contains("vaultingRequestId")) return std::string(kVaultingKind);
  return std::string(kUnknownKind);
}

}  // namespace

std::optional<json::object> parse_notification(std::string_view body, json::storage_ptr memory) {
  json::parse_options options;
  options.max_depth = 32;
  // The parser's working stack on this frame: a notification's depth needs no allocation.
  unsigned char working[2048];
  json::parser parser(json::storage_ptr(), options, working);
  parser.reset(std::move(memory));
  json::error_code ec;
  parser.write(body, ec);
  if (ec) return std::nullopt;
  json::value doc = parser.release();
  if (!doc.is_object()) return std::nullopt;
  return std::move(doc.as_object());
}

NotificationRoute route_notification(const json::object& body) {
  NotificationRoute route;
  route.kind = kind_of(body);
  route.payment_id = std::string(string_field(body, "paymentId"));
  for (const auto name : {"paymentRequestId", "captureRequestId", "refundRequestId",
                          "updateRequestId", "vaultingRequestId"}) {
    if (const auto id = string_field(body, name); !id.empty()) {
      route.merchant_request = std::string(id);
      break;
    }
  }
  return route;
}

NotificationRoute route_notification(std::string_view body) {
  // The document lives for this call only: its strings and objects come out of one buffer on
  // this frame (and blocks after it for a large body), not an allocation each.
  unsigned char buffer[8192];
  json::monotonic_resource memory(buffer, sizeof buffer);
  if (const auto doc = parse_notification(body, &memory)) return route_notification(*doc);
  return NotificationRoute{std::string(kUnknownKind), {}, {}};
}

std::string partition_key(const NotificationRoute& route, std::string_view fallback) {
  if (!route.payment_id.empty()) return route.payment_id;
  if (!route.merchant_request.empty()) return route.merchant_request;
  return std::string(fallback);
}

}  // namespace paynotify
