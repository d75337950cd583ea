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

namespace {

// The update of a one-request completion, lent for the call: a pointer that owns nothing.
std::shared_ptr<const LedgerUpdate> lent(const LedgerUpdate& update) {
  return std::shared_ptr<const LedgerUpdate>(std::shared_ptr<const LedgerUpdate>(), &update);
}

}  // namespace

StoreResult<ClaimOutcome> DedupeStore::claim(const EventKey& key, const std::string& owner,
                                             int64_t lease_ms) {
  const ClaimRequest r{key, owner, lease_ms, false};
  auto claimed = std::move(claim_batch(std::span(&r, 1)).front());
  if (!claimed) return claimed.error();
  return claimed->outcome;
}

StoreResult<LedgerClaim> DedupeStore::claim_with_ledger(const EventKey& key,
                                                        const std::string& owner,
                                                        int64_t lease_ms) {
  const ClaimRequest r{key, owner, lease_ms, true};
  return std::move(claim_batch(std::span(&r, 1)).front());
}

StoreResult<void> DedupeStore::complete(const EventKey& key, const std::string& owner,
                                        int64_t ttl_s) {
  const CompleteRequest r{key, owner, ttl_s, nullptr};
  auto written = complete_batch(std::span(&r, 1)).front();
  if (!written) return written.error();
  return {};
}

StoreResult<LedgerWrite> DedupeStore::complete_with_ledger(const EventKey& key,
                                                           const std::string& owner, int64_t ttl_s,
                                                           const LedgerUpdate& update) {
  const CompleteRequest r{key, owner, ttl_s, lent(update)};
  return complete_batch(std::span(&r, 1)).front();
}

}  // namespace paynotify::worker
