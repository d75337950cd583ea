#include "worker/store/dedupe_store.hpp"

namespace paynotify::worker {

std::string_view claim_outcome_name(ClaimOutcome o) {
  switch (o) {
    case ClaimOutcome::claimed: return "claimed";
    case ClaimOutcome::done: return "done";
    case ClaimOutcome::busy: return "busy";
    case ClaimOutcome::parked: return "parked";
    case ClaimOutcome::unavailable: return "unavailable";
  }
  return "unknown";
}

std::string event_state_key(const EventKey& key) {
  return "paynotify:{" + key.order_key + "}:event:" + key.event_id;
}
std::string parked_key(const EventKey& key) { return "paynotify:{" + key.order_key + "}:parked"; }
std::string parked_at_key(const EventKey& key) {
  return "paynotify:{" + key.order_key + "}:parked-at";
}
std::string ledger_key(const std::string& payment_id) {
  return "paynotify:{" + payment_id + "}:ledger";
}
std::string anomaly_outbox_key(const std::string& payment_id) {
  return "paynotify:{" + payment_id + "}:anomaly-outbox";
}
std::string ledger_deadlines_key(const std::string& scope) {
  return "paynotify:ledger-deadlines:" + scope;
}
std::string ledger_uncaptured_key(const std::string& scope) {
  return "paynotify:ledger-uncaptured:" + scope;
}

std::vector<LedgerClaim> DedupeStore::claim_batch(std::span<const ClaimRequest> requests) {
  std::vector<LedgerClaim> out;
  out.reserve(requests.size());
  for (const auto& r : requests) {
    out.push_back(r.with_ledger ? claim_with_ledger(r.key, r.owner, r.lease_ms)
                                : LedgerClaim{claim(r.key, r.owner, r.lease_ms), std::nullopt});
  }
  return out;
}

std::vector<LedgerWrite> DedupeStore::complete_batch(std::span<const CompleteRequest> requests) {
  std::vector<LedgerWrite> out;
  out.reserve(requests.size());
  for (const auto& r : requests) {
    if (r.ledger) {
      out.push_back(complete_with_ledger(r.key, r.owner, r.ttl_s, *r.ledger));
    } else {
      out.push_back(complete(r.key, r.owner, r.ttl_s) ? LedgerWrite::recorded
                                                      : LedgerWrite::failed);
    }
  }
  return out;
}

}  // namespace paynotify::worker
