#pragma once
// A notification kind's home: how one of its bodies becomes a business event. Each kind is one
// file in this folder and one line in kinds.cpp's table; derive_event (payment_event.cpp)
// looks the kind up, then adds the fields every order request carries.

#include <boost/json/object.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "worker/ledger_facts.hpp"

namespace paynotify::worker {

// Why a record yields no event; each is dead-lettered under its own error class.
enum class NoEvent {
  none,
  invalid_record,    // not JSON, a required field missing, a result that is not final
  unsupported_kind,  // a kind this worker does not model yet: replay it once it does
};

// What a kind makes of one notification.
struct KindEvent {
  std::string_view type;       // the order service's `type` (README lists them)
  std::string event_id;        // a function of the business event, never of the delivery
  std::string occurred_at;     // the notification's own time of the event; "" when absent
  boost::json::object fields;  // the kind's own fields of the order request
  LedgerFacts ledger;          // event_id and payment_id are filled in by derive_event
};

struct KindDerivation {
  std::optional<KindEvent> event;
  NoEvent why_not = NoEvent::none;
  std::string error;  // why there is no event: the dead-letter reason
};

struct KindSpec {
  std::string_view kind;     // as routed (route_notification): notifyType, or "DISPUTE"
  std::string_view subtype;  // disputeNotificationType for disputes; empty for the others
  KindDerivation (*derive)(const boost::json::object& notification);
};

// Every kind this worker models.
std::span<const KindSpec> all_kinds();

// The field of the body that tells a kind's subtypes apart; empty for kinds without subtypes.
std::string_view subtype_field(std::string_view kind);

// The spec for a routed kind, its subtype read from the body where the kind has them; nothing
// when this worker does not model it.
const KindSpec* find_kind(std::string_view kind, const boost::json::object& notification);

}  // namespace paynotify::worker
