#pragma once
// The worker's processing: for each consumed record, derive the event, claim it in the dedupe
// store, apply it to the order service, record the outcome (done / retry topic / dead-letter),
// then let the offset be stored. Runs on one io_context thread; Redis calls run on the
// DedupePool's threads, the order service and Kafka deliveries are awaited asynchronously.

#include <boost/asio/io_context.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "common/await_delivery.hpp"
#include "common/publisher.hpp"
#include "worker/apply_slots.hpp"
#include "worker/dedupe_pool.hpp"
#include "worker/offset_tracker.hpp"
#include "worker/order_service_client.hpp"
#include "worker/payment_event.hpp"
#include "worker/payment_lanes.hpp"
#include "worker/record_consumer.hpp"
#include "worker/retry_policy.hpp"
#include "worker/worker_metrics.hpp"

namespace paynotify::worker {

struct EngineSettings {
  std::string main_topic = "antom.notifications";
  std::string owner;  // lease owner token, unique per process
  int64_t lease_ms = 30000;
  int64_t dedupe_ttl_s = 7 * 86400;
  RetryPolicy retry;
  std::size_t concurrency = 64;         // order-service calls at once
  std::size_t max_in_flight = 20000;    // records held before consumption pauses
  std::chrono::milliseconds claim_backoff{250};
  std::chrono::milliseconds publish_timeout{10000};

  std::string retry_topic() const { return main_topic + ".retry"; }
  std::string dead_letter_topic() const { return main_topic + ".dlq"; }
};

class WorkerEngine {
 public:
  using StoreOffset = std::function<void(const std::string& topic, int32_t partition, int64_t next_offset)>;

  WorkerEngine(EngineSettings settings, boost::asio::io_context& ctx, DedupePool& dedupe,
               OrderServiceClient& orders, Publisher& publisher, WorkerMetrics& metrics, StoreOffset store);
  ~WorkerEngine();

  void submit(ConsumedMessage message);                  // any thread
  void revoke(const std::vector<TopicPartition>& parts);  // any thread but the engine's; blocks
  int64_t in_flight() const { return in_flight_.load(); }
  bool dedupe_reachable() const { return dedupe_ok_.load(); }
  bool wants_pause() const;
  void close_gate() { gate_->close(); }

  struct Record;  // one consumed message on its way through

 private:
  void accept(std::shared_ptr<Record> r);
  void start(std::shared_ptr<Record> r);
  void finish(std::shared_ptr<Record> r, bool recorded);
  boost::asio::awaitable<void> process(std::shared_ptr<Record> r);
  boost::asio::awaitable<void> handle(std::shared_ptr<Record> r);
  boost::asio::awaitable<bool> claim(const PaymentEvent& e);
  boost::asio::awaitable<void> divert(std::shared_ptr<Record> r, std::string topic, int attempt,
                                      int64_t not_before_ms, ErrorClass error_class, std::string error);
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
  template <typename Fn>
  boost::asio::awaitable<void> until_stored(Fn fn);

  EngineSettings settings_;
  boost::asio::io_context& ctx_;
  DedupePool& dedupe_;
  OrderServiceClient& orders_;
  Publisher& publisher_;
  WorkerMetrics& metrics_;
  StoreOffset store_offset_;
  std::shared_ptr<DeliveryGate> gate_ = std::make_shared<DeliveryGate>();
  std::mt19937_64 rng_{std::random_device{}()};

  // Engine-thread state.
  PaymentLanes<std::shared_ptr<Record>> lanes_;
  std::map<TopicPartition, OffsetTracker> trackers_;
  ApplySlots slots_;

  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> dedupe_ok_{true};
};

}  // namespace paynotify::worker
