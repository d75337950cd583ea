#pragma once
// Notification -> business event: the pure heart of the worker. The event id is a function of
// the business event, never of the delivery, so re-sends and redeliveries map to one id.

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paynotify::worker {

enum class EventType {
  payment_authorized,
  payment_failed,
  payment_pending,
  capture_succeeded,
  capture_failed,
  refund_succeeded,
  refund_failed,
};

std::string_view event_type_name(EventType t);  // PAYMENT_AUTHORIZED, ...

struct PaymentEvent {
  EventType type{};
  std::string event_id;    // e.g. CAPTURE_RESULT:<paymentId>:<captureId>:S
  std::string payment_id;  // empty only for refunds that carry none
  std::string order_key;   // what orders events: paymentId, else the refund request id
  boost::json::object order_request;  // the body POSTed to the order service
};

struct EventDerivation {
  std::optional<PaymentEvent> event;
  std::string error;  // why there is none: the record goes to the dead-letter topic
};

// received_at_ms: the ingest's `received-at` header (0 when absent).
EventDerivation derive_event(std::string_view notification_body, int64_t received_at_ms);

std::string iso8601_utc(int64_t epoch_ms);

}  // namespace paynotify::worker
