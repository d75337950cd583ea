#pragma once
// The completion of an event the payment's ledger follows: ledger_write.hpp's round run
// against the stores (the claim's and completion's step through LeaseStore; re-reads and the
// outbox through the DedupePool's LedgerStore) and Kafka. The claim's read first, then fresh ones
// while the ledger changed meanwhile; the event marked done and the ledger written in one
// compare-and-set step. Anomalies go through an outbox in Redis, written with the ledger: one
// whose publication fails (or a worker that dies before it) is published with the payment's
// next completion, or by the deadline watch, under the same id. Runs on the engine's thread.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/kafka/await_delivery.hpp"
#include "common/kafka/publisher.hpp"
#include "worker/dedupe_pool.hpp"
#include "worker/ledger_write.hpp"
#include "worker/store/lease_store.hpp"
#include "worker/worker_metrics.hpp"

namespace paynotify::worker {

struct LedgerCompletionSettings {
  std::string anomalies_topic;
  int64_t dedupe_ttl_s = 7 * 86400;
  LedgerPolicy policy;
  std::chrono::milliseconds publish_timeout{10000};
};

class LedgerCompletion {
 public:
  using Clock = std::function<int64_t()>;  // epoch ms
  LedgerCompletion(LedgerCompletionSettings settings, LeaseStore& leases, DedupePool& dedupe,
                   Publisher& publisher, WorkerMetrics& metrics,
                   std::shared_ptr<DeliveryInbox> deliveries, Clock clock);

  // recorded; failed (Redis did not answer); changed_meanwhile when contended every time.
  // `facts` shares the record's lifetime (an aliasing pointer: no copy per completion).
  boost::asio::awaitable<StoreResult<LedgerWrite>> complete(
      EventKey key, std::string owner, std::shared_ptr<const LedgerFacts> facts,
      int64_t received_at_ms, std::optional<StoredLedger> claimed_read);

 private:
  boost::asio::awaitable<void> publish(std::string payment_id, AnomalyOutbox anomalies);

  LedgerCompletionSettings settings_;
  LeaseStore& leases_;
  DedupePool& dedupe_;
  Publisher& publisher_;
  WorkerMetrics& metrics_;
  std::shared_ptr<DeliveryInbox> deliveries_;
  Clock clock_;
};

}  // namespace paynotify::worker
