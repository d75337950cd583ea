#pragma once
// The values every store seam speaks in (events, claims, ledgers), the key names, and
// DedupeStore, the blocking claims and completions (real adapter: RedisDedupeStore).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worker/store/key_pieces.hpp"
#include "worker/store/store_error.hpp"

namespace paynotify::worker {

enum class ClaimOutcome {
  claimed,      // this owner holds the lease now: apply the event
  done,         // applied before: skip it, store the offset
  busy,         // another live owner holds the lease: back off, store nothing
  parked,       // an earlier event of this payment waits in the retry topic: wait behind it
  unavailable,  // the store did not answer
};
std::string_view claim_outcome_name(ClaimOutcome o);

struct EventKey {
  std::string order_key;  // paymentId (the hash tag: one payment's keys share a cluster slot)
  std::string event_id;
};

// A payment's ledger as stored (payment_ledger.hpp): its JSON ("" when there is none yet) and
// the anomalies raised but not yet durably published (id, JSON).
using AnomalyOutbox = std::vector<std::pair<std::string, std::string>>;
struct StoredLedger {
  std::string text;
  AnomalyOutbox outbox;
};
struct LedgerUpdate {
  std::string expected;  // the text read: the update is made only if it is still the same
  std::string updated;
  int64_t ttl_s = 0;
  std::optional<int64_t> deadline_ms;  // when the deadline watch looks next; none: off the watch
  std::optional<int64_t>
      uncaptured_expiry_ms;  // an authorization with nothing captured expires then
  AnomalyOutbox anomalies;   // new ones, into the outbox
};
// What a completion's compare-and-set step came to (a store that did not answer: StoreError).
enum class LedgerWrite { recorded, changed_meanwhile };
struct LedgerClaim {
  ClaimOutcome outcome = ClaimOutcome::unavailable;
  std::optional<StoredLedger> ledger;  // when claimed and read
};

// The two calls every event makes, as data, so that a store can send many in one round trip
// (claim_batch, complete_batch): the DedupePool hands over all that are queued at once.
struct ClaimRequest {
  EventKey key;
  std::string owner;
  int64_t lease_ms = 0;
  bool with_ledger = false;  // claim_with_ledger rather than claim
};
struct CompleteRequest {
  EventKey key;
  std::string owner;
  int64_t ttl_s = 0;
  std::shared_ptr<const LedgerUpdate> ledger;  // complete_with_ledger when set, else complete
};

// Claims and completions as blocking calls, for the DedupePool's threads to run in batches
// (the pool is then the LeaseStore: tests' in-memory store, the blocking Redis one). The worker
// itself claims and completes on its loop (RedisLoopStore); parking is ParkingStore's, and the
// ledger's reads and outbox LedgerStore's.
class DedupeStore {
 public:
  virtual ~DedupeStore() = default;
  // Independent requests, one result each in their order. The requests are unrelated (the
  // pool gathers them from different records), so a store may run them in any interleaving
  // with other clients. A claim: its outcome (never unavailable: that is the error), with the
  // payment's ledger when asked for (with_ledger). A completion marks the event applied and
  // lifts the payment's parking if this event set it; with a ledger update, only if the ledger
  // is unchanged since read (else changed_meanwhile), in one step: an event counts in the
  // ledger exactly once, across re-sends and crashes.
  virtual std::vector<StoreResult<LedgerClaim>> claim_batch(
      std::span<const ClaimRequest> requests) = 0;
  virtual std::vector<StoreResult<LedgerWrite>> complete_batch(
      std::span<const CompleteRequest> requests) = 0;

  // One request: a batch of one.
  StoreResult<ClaimOutcome> claim(const EventKey& key, const std::string& owner, int64_t lease_ms);
  StoreResult<LedgerClaim> claim_with_ledger(const EventKey& key, const std::string& owner,
                                             int64_t lease_ms);
  StoreResult<void> complete(const EventKey& key, const std::string& owner, int64_t ttl_s);
  StoreResult<LedgerWrite> complete_with_ledger(const EventKey& key, const std::string& owner,
                                                int64_t ttl_s, const LedgerUpdate& update);
};

// Key names, with the payment as hash tag so Redis Cluster keeps a payment's keys together;
// the *_pieces forms for the calls every event makes (key_pieces.hpp).
KeyPieces event_state_key_pieces(const EventKey& key);
KeyPieces parked_key_pieces(const EventKey& key);
// Where a parking rebuilt after data loss found its event in the retry topic
// ("<partition>:<offset>").
KeyPieces parked_at_key_pieces(const EventKey& key);
KeyPieces ledger_key_pieces(std::string_view payment_id);
KeyPieces anomaly_outbox_key_pieces(std::string_view payment_id);
// Per deployment (`scope`: its main topic, whose .anomalies topic the watch reports to): every
// payment with a deadline, scored by when the watch should look (epoch ms); every
// authorization with nothing captured yet, scored by its expiry (the gauge, `ledger due`).
KeyPieces ledger_deadlines_key_pieces(std::string_view scope);
KeyPieces ledger_uncaptured_key_pieces(std::string_view scope);
// Payments an operator asked the worker to ask Antom about, scored by when (reconciliation).
KeyPieces reconcile_marks_key_pieces(std::string_view scope);

inline std::string event_state_key(const EventKey& key) {
  return event_state_key_pieces(key).str();
}
inline std::string parked_key(const EventKey& key) { return parked_key_pieces(key).str(); }
inline std::string parked_at_key(const EventKey& key) { return parked_at_key_pieces(key).str(); }
inline std::string ledger_key(std::string_view payment_id) {
  return ledger_key_pieces(payment_id).str();
}
inline std::string anomaly_outbox_key(std::string_view payment_id) {
  return anomaly_outbox_key_pieces(payment_id).str();
}
inline std::string ledger_deadlines_key(std::string_view scope) {
  return ledger_deadlines_key_pieces(scope).str();
}
inline std::string ledger_uncaptured_key(std::string_view scope) {
  return ledger_uncaptured_key_pieces(scope).str();
}
inline std::string reconcile_marks_key(std::string_view scope) {
  return reconcile_marks_key_pieces(scope).str();
}

}  // namespace paynotify::worker
