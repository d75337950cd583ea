#pragma once
// What the ingest reads of a verified notification body to route it: its kind and its payment.
// Routing never fails: a verified body is Antom's word and is published whatever it holds
// (DESIGN.md promise 2); what the worker cannot apply goes to the dead-letter topic later.

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace paynotify {

// The kinds Antom sends without a `notifyType` field, named by the field that marks them.
inline constexpr std::string_view kDisputeKind = "DISPUTE";              // disputeNotificationType
inline constexpr std::string_view kAuthorizationKind = "AUTHORIZATION";  // authorizationNotifyType
inline constexpr std::string_view kVaultingKind = "VAULTING";            // vaultingRequestId
inline constexpr std::string_view kUnknownKind = "UNKNOWN";  // none of these, or not JSON

struct NotificationRoute {
  std::string kind;        // the `notify-type` header: notifyType, else one of the kinds above
  std::string payment_id;  // empty when the body has none
  std::string merchant_request;  // paymentRequestId / captureRequestId / refundRequestId / ...
};

// Bounded: the body size is capped before this is called, and JSON depth is limited to 32.
NotificationRoute route_notification(std::string_view body);
NotificationRoute route_notification(const boost::json::object& body);

// The Kafka key: paymentId, else the merchant request id, else the fallback (the ingest id).
std::string partition_key(const NotificationRoute& route, std::string_view fallback);

// A notification body as a JSON object, or nothing when it is not one (or nests too deep).
// Values are allocated from `memory` (the default heap when none is given).
std::optional<boost::json::object> parse_notification(std::string_view body,
                                                      boost::json::storage_ptr memory = {});

}  // namespace paynotify
