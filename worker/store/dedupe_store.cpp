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

KeyPieces event_state_key_pieces(const EventKey& key) {
  return {{"paynotify:{", key.order_key, "}:event:", key.event_id}};
}
KeyPieces parked_key_pieces(const EventKey& key) {
  return {{"paynotify:{", key.order_key, "}:parked"}};
}
KeyPieces parked_at_key_pieces(const EventKey& key) {
  return {{"paynotify:{", key.order_key, "}:parked-at"}};
}
KeyPieces ledger_key_pieces(std::string_view payment_id) {
  return {{"paynotify:{", payment_id, "}:ledger"}};
}
KeyPieces anomaly_outbox_key_pieces(std::string_view payment_id) {
  return {{"paynotify:{", payment_id, "}:anomaly-outbox"}};
}
KeyPieces ledger_deadlines_key_pieces(std::string_view scope) {
  return {{"paynotify:ledger-deadlines:", scope}};
}
KeyPieces ledger_uncaptured_key_pieces(std::string_view scope) {
  return {{"paynotify:ledger-uncaptured:", scope}};
}
KeyPieces reconcile_marks_key_pieces(std::string_view scope) {
  return {{"paynotify:reconcile-marks:", scope}};
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
