#pragma once
// paynotify-worker as one object: start() builds everything that can fail (Kafka clients, the
// order-service client, the admin port) before it starts a single thread, and stop() tears the
// threads down in order — stop consuming, drain, commit, stop the engine, flush, close Redis.
// A failed start() leaves nothing running, so main() can report it and exit 2.

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <thread>

#include "common/kafka/kafka_producer.hpp"
#include "common/service/admin_server.hpp"
#include "common/service/metrics.hpp"
#include "worker/deadline_watch.hpp"
#include "worker/reconciler.hpp"
#include "worker/redis/redis_loop_store.hpp"
#include "worker/store/store_generation.hpp"
#include "worker/worker_config.hpp"

namespace paynotify::worker {

class Worker {
 public:
  explicit Worker(WorkerConfig config);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Throws ConfigError naming the option (busy admin port, bad URL or CA file, bad Kafka
  // property); nothing is left running then.
  void start();
  // Drains in-flight records for up to the drain timeout; returns how many did not finish.
  int64_t stop();

  uint16_t admin_port() const { return admin_ ? admin_->port() : 0; }

 private:
  void watch_health();

  WorkerConfig config_;
  MetricsRegistry registry_;
  WorkerMetrics metrics_{registry_};
  // The engine's thread runs it; destroyed in stop(), after the engine is torn down and
  // before the engine and the clients that its coroutine frames point to.
  std::unique_ptr<boost::asio::io_context> ctx_ = std::make_unique<boost::asio::io_context>(1);
  std::unique_ptr<KafkaProducer> producer_;
  std::unique_ptr<DedupePool> dedupe_;  // the rarer store calls, on threads of their own
  std::unique_ptr<RedisLoopStore> leases_;
  std::unique_ptr<OrderServiceClient> orders_;
  std::unique_ptr<WorkerEngine> engine_;
  std::unique_ptr<RecordConsumer> consumer_;
  std::unique_ptr<AdminServer> admin_;
  std::unique_ptr<Reconciler> reconciler_;  // with reconciliation on; the watch asks through it
  std::unique_ptr<DeadlineWatch> deadlines_;
  std::thread engine_thread_;
  std::thread health_thread_;
  std::atomic<bool> built_{false};
  std::atomic<bool> running_{false};
  std::atomic<bool> redis_up_{false};
  std::shared_ptr<StoreGeneration> generation_ = std::make_shared<StoreGeneration>();
  bool stopped_ = false;
};

}  // namespace paynotify::worker
