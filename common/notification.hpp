#pragma once
// What ingest needs to know of a verified notification body to route it, and the checks that
// a known notify type carries its required fields. Unknown types pass: they are kept.

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace paynotify {

enum class NotifyType { payment_result, payment_pending, capture_result, refund_result, unknown };

NotifyType notify_type_from(std::string_view text);

struct NotificationSummary {
  std::string notify_type;  // as sent
  NotifyType type = NotifyType::unknown;
  std::string payment_id;        // empty when the body has none
  std::string merchant_request;  // paymentRequestId / captureRequestId / refundRequestId
};

struct NotificationCheck {
  bool ok = false;
  std::string error;  // which part is wrong, e.g. "captureAmount.value must be an integer string"
  NotificationSummary summary;
};

// Parses and checks a verified body. Bounded: the body size is capped before this is called,
// and Boost.JSON's default depth limit applies.
NotificationCheck check_notification(std::string_view body);

// The same checks on an already-parsed object (the worker re-reads records with it).
NotificationCheck check_notification(const boost::json::object& body);

// The Kafka key: paymentId, else the merchant request id, else the fallback (the ingest id).
std::string partition_key(const NotificationSummary& summary, std::string_view fallback);

}  // namespace paynotify
