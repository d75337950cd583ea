// RDR_RESOLVED: settled through Rapid Dispute Resolution before it became a chargeback.
#include "worker/kinds/dispute.hpp"
#include "worker/kinds/kinds.hpp"

namespace paynotify::worker::kinds {

KindDerivation dispute_rdr_resolved(const boost::json::object& n) {
  return dispute_event(n, "DISPUTE_RDR_RESOLVED", LedgerEffect::none);
}

}  // namespace paynotify::worker::kinds
