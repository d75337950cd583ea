#pragma once
// The seam to the payments' ledgers for what reads and writes them apart from an event's
// completion (which goes through LeaseStore, in the claim's compare-and-set step): the deadline
// watch, the completion's re-reads and outbox, and `paynotify ledger`. Calls block; failures
// are values with a StoreError (store_error.hpp). Real adapter: RedisLedgerStore.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "worker/store/dedupe_store.hpp"
#include "worker/store/store_error.hpp"

namespace paynotify::worker {

// An authorization with nothing captured, and when it expires (epoch ms).
struct ExpiringAuthorization {
  std::string payment_id;
  int64_t expires_ms = 0;
  bool operator==(const ExpiringAuthorization&) const = default;
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;
  // The payment's ledger (text "" when it has none yet) and its outbox of anomalies.
  virtual StoreResult<StoredLedger> read_ledger(const std::string& payment_id) = 0;
  // Compare-and-set on update.expected: recorded, or changed_meanwhile (read again).
  virtual StoreResult<LedgerWrite> update_ledger(const std::string& payment_id,
                                                 const LedgerUpdate& update) = 0;
  // Once the anomaly is durably in the anomalies topic.
  virtual StoreResult<void> clear_outbox(const std::string& payment_id,
                                         const std::string& anomaly_id) = 0;
  // Up to `most` payments whose deadline has come, each taken for `lease_ms`: no other watch
  // takes it before then, and it comes due again if this one does not look at it.
  virtual StoreResult<std::vector<std::string>> take_due(int64_t now_ms, int64_t lease_ms,
                                                         std::size_t most) = 0;
  // Off the watch: nothing left to look at.
  virtual StoreResult<void> drop_deadline(const std::string& payment_id) = 0;
  // Uncaptured authorizations expiring in [from, to).
  virtual StoreResult<int64_t> count_expiring(int64_t from_ms, int64_t to_ms) = 0;

  // Reconciliation's marks: payments an operator asked the worker to ask Antom about
  // (`paynotify reconcile --mark`), whatever their ledger holds or whether it has one.
  virtual StoreResult<void> mark_for_inquiry(const std::string& payment_id, int64_t now_ms) = 0;
  // Up to `most` marked payments, each taken for `lease_ms` as take_due takes deadlines.
  virtual StoreResult<std::vector<std::string>> take_marked(int64_t now_ms, int64_t lease_ms,
                                                            std::size_t most) = 0;
  virtual StoreResult<void> clear_mark(const std::string& payment_id) = 0;

  // Read only, for the operator (`paynotify ledger`):
  // When the deadline watch looks at the payment next; none: it is off the watch.
  virtual StoreResult<std::optional<int64_t>> next_deadline(const std::string& payment_id) = 0;
  // Up to `most` uncaptured authorizations expiring at or before `until_ms` (expired ones too),
  // the earliest first.
  virtual StoreResult<std::vector<ExpiringAuthorization>> expiring_until(int64_t until_ms,
                                                                         std::size_t most) = 0;
};

}  // namespace paynotify::worker
