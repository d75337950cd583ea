// DISPUTE_ACCEPTED: the dispute was accepted (disputeAcceptReason MERCHANT_ACCEPTED, TIMEOUT or
// MANUAL_PROCESSING_ACCEPTED): the merchant does not contest it and the amount leaves its account.
#include "worker/kinds/dispute.hpp"
#include "worker/kinds/kinds.hpp"

namespace paynotify::worker::kinds {

KindDerivation dispute_accepted(const boost::json::object& n) {
  return dispute_event(n, "DISPUTE_ACCEPTED", LedgerEffect::lose_dispute);
}

}  // namespace paynotify::worker::kinds
