// DISPUTE_CANCELLED: the cardholder withdrew the chargeback.
#include "worker/kinds/dispute.hpp"
#include "worker/kinds/kinds.hpp"

namespace paynotify::worker::kinds {

KindDerivation dispute_cancelled(const boost::json::object& n) {
  return dispute_event(n, "DISPUTE_CANCELLED", LedgerEffect::cancel_dispute);
}

}  // namespace paynotify::worker::kinds
