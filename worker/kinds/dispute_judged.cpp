// DISPUTE_JUDGED: the scheme decided; ACCEPT_BY_MERCHANT means the merchant lost it.
#include "worker/kinds/dispute.hpp"
#include "worker/kinds/kinds.hpp"

namespace paynotify::worker::kinds {

KindDerivation dispute_judged(const boost::json::object& n) {
  return dispute_event(n, "DISPUTE_JUDGED", LedgerEffect::judge_dispute, "disputeJudgedTime");
}

}  // namespace paynotify::worker::kinds
