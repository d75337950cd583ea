#pragma once
// Notification -> business event: the pure heart of the worker. Each kind's own part is in
// worker/kinds/; this adds what every order request carries. The event id is a function of
// the business event, never of the delivery, so re-sends and redeliveries map to one id.

#include <boost/json/object.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "worker/kinds/kind_spec.hpp"
#include "worker/ledger_facts.hpp"

namespace paynotify::worker {

struct PaymentEvent {
  std::string_view type;   // the order service's `type`: PAYMENT_AUTHORIZED, ... (README)
  std::string event_id;    // e.g. CAPTURE_RESULT:<paymentId>:<captureId>:S
  std::string payment_id;  // empty only for refunds that carry none
  std::string order_key;   // what orders events: paymentId, else the refund request id
  boost::json::object order_request;  // the body POSTed to the order service
  LedgerFacts ledger;  // what the payment's ledger learns; effect none: the ledger is not read
};

struct EventDerivation {
  std::optional<PaymentEvent> event;
  NoEvent why_not = NoEvent::none;
  std::string kind;   // the notification's kind, also when there is no event (for metrics)
  std::string error;  // why there is no event: the dead-letter reason
};

// received_at_ms: the ingest's `received-at` header (0 when absent). The event's JSON is
// allocated from `memory` (the default heap when none is given), which must outlive it.
EventDerivation derive_event(std::string_view notification_body, int64_t received_at_ms,
                             boost::json::storage_ptr memory = {});

// A genuine notification replayed long after Antom sent it: its signed request-time lies more
// than `stale_after_ms` before the ingest received it. Past the dedupe window an applied event
// is forgotten, so applying such a replay could apply it twice; Antom's own re-sends come
// within about 24 h. Returns why it is stale, or nothing (also when the time cannot be read).
std::optional<std::string> stale_replay(std::string_view request_time, int64_t received_at_ms,
                                        int64_t stale_after_ms);

// Joins id parts with ':' after percent-encoding every byte of each part outside
// [A-Za-z0-9._~-]: the id is printable ASCII (it becomes a header and Redis keys), and no two
// different lists of parts give one id ("r:1"+"x" and "r"+"1:x" differ). Antom's ids, made of
// letters, digits, '_' and '-', stay as they are.
std::string join_event_id(std::initializer_list<std::string_view> parts);

}  // namespace paynotify::worker
