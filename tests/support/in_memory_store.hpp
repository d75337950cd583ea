#pragma once
// The stores in memory, with the rules of worker/redis/redis_scripts.cpp over maps: one state
// behind every blocking seam (DedupeStore, LedgerStore, ParkingStore), so that a claim, the
// ledger's re-read and a park see each other as on Redis. The contract tests run against it and
// Redis alike; tests of what uses the seams run on it without Redis. Thread-safe (a DedupePool
// shares one among its threads: seams_of). Leases and the rebuild lock run out by `clock` (a
// test's clock: engine tests).

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>

#include "worker/dedupe_pool.hpp"
#include "worker/engine_clock.hpp"
#include "worker/store/dedupe_store.hpp"
#include "worker/store/ledger_store.hpp"
#include "worker/store/parking_store.hpp"

namespace paynotify::testing {

class InMemoryStore final : public worker::DedupeStore,
                            public worker::LedgerStore,
                            public worker::ParkingStore {
 public:
  explicit InMemoryStore(worker::Clock clock = worker::system_now_ms) : clock_(std::move(clock)) {}

  // DedupeStore
  std::vector<worker::StoreResult<worker::LedgerClaim>> claim_batch(
      std::span<const worker::ClaimRequest> requests) override;
  std::vector<worker::StoreResult<worker::LedgerWrite>> complete_batch(
      std::span<const worker::CompleteRequest> requests) override;

  // LedgerStore
  worker::StoreResult<worker::StoredLedger> read_ledger(const std::string& payment_id) override;
  worker::StoreResult<worker::LedgerWrite> update_ledger(
      const std::string& payment_id, const worker::LedgerUpdate& update) override;
  worker::StoreResult<void> clear_outbox(const std::string& payment_id,
                                         const std::string& anomaly_id) override;
  worker::StoreResult<std::vector<std::string>> take_due(int64_t now_ms, int64_t lease_ms,
                                                         std::size_t most) override;
  worker::StoreResult<void> drop_deadline(const std::string& payment_id) override;
  worker::StoreResult<void> mark_for_inquiry(const std::string& payment_id,
                                             int64_t now_ms) override;
  worker::StoreResult<std::vector<std::string>> take_marked(int64_t now_ms, int64_t lease_ms,
                                                            std::size_t most) override;
  worker::StoreResult<void> clear_mark(const std::string& payment_id) override;
  worker::StoreResult<int64_t> count_expiring(int64_t from_ms, int64_t to_ms) override;
  worker::StoreResult<std::optional<int64_t>> next_deadline(const std::string& payment_id) override;
  worker::StoreResult<std::vector<worker::ExpiringAuthorization>> expiring_until(
      int64_t until_ms, std::size_t most) override;

  // ParkingStore
  worker::StoreResult<void> park(const worker::EventKey& key, int64_t ttl_s) override;
  worker::StoreResult<void> release(const worker::EventKey& key, const std::string& owner) override;
  worker::StoreResult<void> unpark(const worker::EventKey& key, const std::string& owner) override;
  worker::StoreResult<worker::SeenGeneration> read_generation() override;
  worker::StoreResult<bool> take_rebuild_lock(const std::string& owner, int64_t lease_ms) override;
  worker::StoreResult<bool> hold_rebuild_lock(const std::string& owner, int64_t lease_ms) override;
  worker::StoreResult<void> give_back_rebuild_lock(const std::string& owner) override;
  worker::StoreResult<bool> install_generation(const std::string& owner,
                                               const std::string& value) override;
  worker::StoreResult<worker::Restored> restore_parking(const worker::EventKey& key, int64_t ttl_s,
                                                        worker::RetryPosition at) override;
  worker::StoreResult<std::vector<worker::RebuiltParking>> rebuilt_parkings(
      std::size_t most) override;
  worker::StoreResult<worker::Lifted> lift_rebuilt_parking(const worker::RebuiltParking& parking,
                                                           bool finished) override;
  std::string failure_detail() const override { return down.load() ? "down (test)" : ""; }

  std::atomic<bool> down{false};     // every call fails while set
  std::atomic<int> throw_next{0};    // the next this many claims throw (a bug, bad_alloc, ...)
  std::atomic<int> ledger_reads{0};  // reads of a ledger: read_ledger, claims with the ledger
  bool is_done(const std::string& event_id) const;
  bool is_parked(const std::string& order_key) const;

 private:
  struct Lease {
    std::string owner;  // or "done"
    int64_t expires_ms = INT64_MAX;
  };
  worker::StoreResult<worker::LedgerClaim> claim_one(const worker::ClaimRequest& r);
  worker::StoreResult<worker::LedgerWrite> complete_one(const worker::CompleteRequest& r);
  bool done(const std::string& event_id) const;  // under mu_
  void lift(const worker::EventKey& key);        // its parking, if this event set it; under mu_
  worker::LedgerWrite write_ledger(const std::string& payment_id,
                                   const worker::LedgerUpdate& u);  // under mu_

  const worker::Clock clock_;
  mutable std::mutex mu_;
  std::map<std::string, Lease> events_;        // event id -> state; a lease runs out like a TTL
  std::map<std::string, std::string> parked_;  // order key -> event id
  std::map<std::string, worker::RetryPosition> parked_at_;  // order key -> rebuilt from
  std::set<std::tuple<std::string, std::string, int32_t, int64_t>> audit_;
  std::optional<std::string> generation_;
  std::optional<Lease> rebuild_lock_;
  std::map<std::string, worker::StoredLedger> ledgers_;  // payment id -> ledger and outbox
  std::map<std::string, int64_t> marks_;       // payment -> when marked (or its lease's end)
  std::map<std::string, int64_t> deadlines_;   // payment -> when the watch looks
  std::map<std::string, int64_t> uncaptured_;  // payment -> its expiry
};

// Every seam of a DedupePool's thread on `store`, which must outlive the pool.
worker::StoreSeams seams_of(InMemoryStore& store);

}  // namespace paynotify::testing
