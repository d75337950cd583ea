// DEFENSE_SUPPLIED: the merchant's defence reached Antom; paperwork, no money moves.
#include "worker/kinds/dispute.hpp"
#include "worker/kinds/kinds.hpp"

namespace paynotify::worker::kinds {

KindDerivation dispute_defense_supplied(const boost::json::object& n) {
  return dispute_event(n, "DISPUTE_DEFENSE_SUPPLIED", LedgerEffect::none);
}

}  // namespace paynotify::worker::kinds
