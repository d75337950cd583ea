#pragma once
// In-memory stand-ins for the worker's three seams — DedupeStore, OrderClient, Publisher — so
// that engine tests drive the real WorkerEngine through failures on demand: an order service
// that fails or throws, a store that is down, a publisher that refuses.

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/kafka/publisher.hpp"
#include "worker/engine_clock.hpp"
#include "worker/order_client.hpp"
#include "worker/store/dedupe_store.hpp"

namespace paynotify::testing {

// The Lua scripts' semantics over maps; thread-safe (the DedupePool calls it from its threads).
// Leases run out by `clock` (a test's clock: engine tests).
class InMemoryDedupeStore final : public worker::DedupeStore {
 public:
  explicit InMemoryDedupeStore(worker::Clock clock = worker::system_now_ms)
      : clock_(std::move(clock)) {}
  worker::ClaimOutcome claim(const worker::EventKey& key, const std::string& owner,
                             int64_t lease_ms) override;
  bool complete(const worker::EventKey& key, const std::string& owner, int64_t ttl_s) override;
  bool park(const worker::EventKey& key, int64_t ttl_s) override;
  bool release(const worker::EventKey& key, const std::string& owner, bool unpark) override;
  bool ping() override { return !down.load(); }
  std::optional<worker::StoredLedger> read_ledger(const std::string& payment_id) override;
  worker::LedgerWrite complete_with_ledger(const worker::EventKey& key, const std::string& owner,
                                           int64_t ttl_s,
                                           const worker::LedgerUpdate& update) override;
  bool clear_outbox(const std::string& payment_id, const std::string& anomaly_id) override;

  std::atomic<bool> down{false};   // every call fails while set
  std::atomic<int> throw_next{0};  // the next this many calls throw (a bug, bad_alloc, ...)
  bool is_done(const std::string& event_id) const;
  bool is_parked(const std::string& order_key) const;

 private:
  const worker::Clock clock_;
  mutable std::mutex mu_;
  struct Lease {
    std::string owner;  // or "done"
    int64_t expires_ms = INT64_MAX;
  };
  std::map<std::string, Lease>
      events_;  // event id -> state; a lease runs out like the Redis key's TTL
  std::map<std::string, std::string> parked_;            // order key -> event id
  std::map<std::string, worker::StoredLedger> ledgers_;  // payment id -> ledger and outbox
};

// Forwards to one InMemoryDedupeStore, so that a DedupePool's stores (one per thread) share
// it; counts the ledger reads that reach it.
class SharedInMemoryStore final : public worker::DedupeStore {
 public:
  explicit SharedInMemoryStore(InMemoryDedupeStore& store, std::atomic<int>* ledger_reads = nullptr)
      : store_(store), ledger_reads_(ledger_reads) {}
  worker::ClaimOutcome claim(const worker::EventKey& k, const std::string& o, int64_t l) override {
    return store_.claim(k, o, l);
  }
  bool complete(const worker::EventKey& k, const std::string& o, int64_t t) override {
    return store_.complete(k, o, t);
  }
  bool park(const worker::EventKey& k, int64_t t) override { return store_.park(k, t); }
  bool release(const worker::EventKey& k, const std::string& o, bool u) override {
    return store_.release(k, o, u);
  }
  bool ping() override { return store_.ping(); }
  std::optional<worker::StoredLedger> read_ledger(const std::string& p) override {
    if (ledger_reads_ != nullptr) ++*ledger_reads_;
    return store_.read_ledger(p);
  }
  worker::LedgerWrite complete_with_ledger(const worker::EventKey& k, const std::string& o,
                                           int64_t t, const worker::LedgerUpdate& u) override {
    return store_.complete_with_ledger(k, o, t, u);
  }
  bool clear_outbox(const std::string& p, const std::string& a) override {
    return store_.clear_outbox(p, a);
  }

 private:
  InMemoryDedupeStore& store_;
  std::atomic<int>* ledger_reads_;
};

// The order service: answers with what `answer` returns for each call (default 200), counting
// every call per idempotency key. A call takes `delay` on `clock` (a test's clock: engine tests).
class FakeOrderService final : public worker::OrderClient {
 public:
  explicit FakeOrderService(worker::EngineClock& clock = worker::system_clock()) : clock_(clock) {}
  boost::asio::awaitable<worker::ApplyResult> apply(worker::OrderCall call) override;

  // Called on the engine's thread with the call number (1-based, across all keys); may throw.
  std::function<worker::ApplyResult(const worker::OrderCall&, int)> answer;
  std::chrono::milliseconds delay{0};  // how long each call takes
  int calls() const;
  int calls_for(const std::string& key) const;

 private:
  worker::EngineClock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, int> per_key_;
  int calls_ = 0;
};

// Records what was published; `refuse` makes deliveries fail (reported, never lost silently).
class RecordingPublisher final : public Publisher {
 public:
  void publish(OutgoingRecord record, DeliveryCallback on_delivery) override;

  std::atomic<bool> refuse{false};
  std::atomic<int> refused{0};
  std::vector<OutgoingRecord> published(const std::string& topic) const;

 private:
  mutable std::mutex mu_;
  std::vector<OutgoingRecord> records_;
};

}  // namespace paynotify::testing
