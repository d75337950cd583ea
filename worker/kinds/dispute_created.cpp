// DISPUTE_CREATED: a chargeback was opened; money may leave the merchant.
#include "worker/kinds/dispute.hpp"
#include "worker/kinds/kinds.hpp"

namespace paynotify::worker::kinds {

KindDerivation dispute_created(const boost::json::object& n) {
  return dispute_event(n, "DISPUTE_CREATED", LedgerEffect::open_dispute);
}

}  // namespace paynotify::worker::kinds
