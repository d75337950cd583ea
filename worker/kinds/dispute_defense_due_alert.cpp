// DEFENSE_DUE_ALERT: the defence is due soon (defenseDueTime).
#include "worker/kinds/dispute.hpp"
#include "worker/kinds/kinds.hpp"

namespace paynotify::worker::kinds {

KindDerivation dispute_defense_due_alert(const boost::json::object& n) {
  return dispute_event(n, "DISPUTE_DEFENSE_DUE_ALERT", LedgerEffect::none);
}

}  // namespace paynotify::worker::kinds
