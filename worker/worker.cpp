#include "worker/worker.hpp"

#include <boost/asio/executor_work_guard.hpp>

#include <algorithm>

#include "common/service/log.hpp"
#include "worker/parking_recovery.hpp"
#include "worker/redis/redis_ledger_store.hpp"
#include "worker/redis/redis_parking_store.hpp"

namespace paynotify::worker {
namespace net = boost::asio;

Worker::Worker(WorkerConfig config) : config_(std::move(config)) {}

Worker::~Worker() { stop(); }

void Worker::start() {
  // Everything that can throw, first, the admin port before the Kafka clients so that a busy
  // port fails at once. The gauges and the readiness check read what exists when scraped.
  admin_ = std::make_unique<AdminServer>(config_.admin_host, config_.admin_port, registry_, [this] {
    return built_.load() && redis_up_.load() && generation_->trusted() && consumer_->reachable();
  });
  admin_->start();
  producer_ = std::make_unique<KafkaProducer>(
      KafkaProducerConfig{.brokers = config_.kafka_brokers,
                          .properties = config_.kafka_properties,
                          .message_timeout_ms = 10000,
                          .max_in_flight = config_.kafka_max_in_flight,
                          .client_id = "paynotify-worker"});
  // A hand-over reported without an offset is not durable: the record is handed over again.
  registry_.family_fn(
      "paynotify_worker_kafka_unconfirmed_deliveries_total",
      "Delivery reports of success without an offset (not proof of a write: handed over again)",
      prometheus::MetricType::Counter, [this] { return producer_->unconfirmed_deliveries(); });
  try {
    orders_ = std::make_unique<OrderServiceClient>(ctx_->get_executor(), config_.order_service);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  const auto observe_batch = [this](std::size_t n) {
    metrics_.store_batch.Observe(static_cast<double>(n));
  };
  dedupe_ = std::make_unique<DedupePool>(
      config_.redis_connections,
      [this] {  // the claims and completions run on the loop (leases_ below)
        return StoreSeams{
            nullptr, std::make_shared<RedisParkingStore>(config_.redis, config_.engine.main_topic),
            std::make_shared<RedisLedgerStore>(config_.redis, config_.engine.main_topic)};
      },
      observe_batch);
  // The claims and completions every event makes: pipelined on the engine's loop.
  leases_ = std::make_unique<RedisLoopStore>(ctx_->get_executor(), config_.redis, generation_,
                                             config_.engine.main_topic, observe_batch);
  engine_ = std::make_unique<WorkerEngine>(
      config_.engine, *ctx_, *leases_, *dedupe_, *orders_, *producer_, metrics_,
      [this](const std::string& t, int32_t p, int64_t o) { consumer_->store_offset(t, p, o); });
  consumer_ = std::make_unique<RecordConsumer>(
      ConsumerSettings{
          config_.kafka_brokers,
          config_.group,
          {config_.engine.main_topic, config_.engine.retry_topic()},
          config_.kafka_properties,
          config_.engine.retry_topic(),
          // Fetched ahead: at most half of what the engine may hold, within
          // what librdkafka accepts (1 KiB to 2097151 KiB).
          std::clamp<std::size_t>(config_.engine.max_in_flight_bytes / 2048, 1024, 2097151)},
      ConsumerCallbacks{
          [this](ConsumedMessage m) { engine_->submit(std::move(m)); },
          [this](const std::vector<TopicPartition>& parts) { engine_->revoke(parts); },
          [this](const std::string& topic) { return engine_->hold(topic); }});
  if (config_.antom_api) {
    reconciler_ = std::make_unique<Reconciler>(
        ReconcilerSettings{config_.engine.main_topic, static_cast<double>(config_.reconcile_rate)},
        std::make_unique<AntomApiClient>(*config_.antom_api), *producer_, registry_, system_now_ms);
  }
  if (config_.engine.ledger) {
    DeadlineWatchSettings watch{config_.engine.anomalies_topic(),
                                config_.engine.capture_warning_before_ms,
                                config_.engine.ledger_ttl_s};
    watch.reconcile_after_ms = config_.engine.reconcile_after_ms;
    // About 20 s of inquiries per pass, well inside the watch's 60 s lease on what it takes.
    watch.inquiries_per_pass = static_cast<std::size_t>(20 * config_.reconcile_rate);
    deadlines_ = std::make_unique<DeadlineWatch>(
        watch, std::make_unique<RedisLedgerStore>(config_.redis, config_.engine.main_topic),
        *producer_, metrics_, system_now_ms, reconciler_.get());
    registry_.family_fn(
        "paynotify_worker_uncaptured_authorizations",
        "Authorizations with nothing captured yet, by time to their expiry (all workers see the "
        "same)",
        prometheus::MetricType::Gauge, [this] {
          return MetricsRegistry::Samples{
              {{{"expires_in", "<24h"}}, static_cast<double>(deadlines_->expiring_within_24h())},
              {{{"expires_in", "<72h"}}, static_cast<double>(deadlines_->expiring_within_72h())},
              {{{"expires_in", "later"}}, static_cast<double>(deadlines_->expiring_later())}};
        });
  }
  registry_.gauge_fn("paynotify_worker_retry_oldest_age_seconds",
                     "Age of the oldest event waiting for a retry, from its first failure; alert "
                     "well before --retry-for",
                     [this] { return built_.load() ? engine_->oldest_retry_age_s() : 0.0; });
  registry_.gauge_fn(
      "paynotify_worker_order_service_breaker_open",
      "1 while the circuit breaker holds order-service calls back (0.5 half-open: probing)",
      [this] {
        switch (built_.load() ? engine_->breaker_state() : CircuitBreaker::State::closed) {
          case CircuitBreaker::State::open: return 1.0;
          case CircuitBreaker::State::half_open: return 0.5;
          default: return 0.0;
        }
      });
  registry_.gauge_fn("paynotify_worker_redis_reachable", "1 while Redis answers PING",
                     [this] { return redis_up_.load() ? 1.0 : 0.0; });
  registry_.gauge_fn("paynotify_worker_parking_trusted",
                     "1 while Redis's parking is trusted; 0 from a suspected data loss until the "
                     "parking is rebuilt (no claims meanwhile)",
                     [this] { return generation_->trusted() ? 1.0 : 0.0; });
  registry_.gauge_fn("paynotify_worker_kafka_reachable", "1 while a Kafka broker answers",
                     [this] { return built_.load() && consumer_->reachable() ? 1.0 : 0.0; });
  registry_.gauge_fn("paynotify_worker_consumption_paused", "1 while consumption is paused",
                     [this] { return built_.load() && consumer_->paused() ? 1.0 : 0.0; });
  registry_.gauge_fn(
      "paynotify_worker_retry_partitions_waiting",
      "Retry-topic partitions paused until their next record is due",
      [this] { return built_.load() ? static_cast<double>(consumer_->held_partitions()) : 0.0; });
  registry_.family_fn(
      "paynotify_worker_consumer_lag", "Records behind the end of each owned partition",
      prometheus::MetricType::Gauge, [this] {
        MetricsRegistry::Samples samples;
        if (!built_.load()) return samples;
        for (const auto& [tp, lag] : consumer_->lag()) {
          samples.emplace_back(
              Labels{{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}},
              static_cast<double>(lag));
        }
        return samples;
      });

  built_.store(true);  // from here the admin thread may read the engine and the consumer
  running_.store(true);
  engine_thread_ = std::thread([ctx = ctx_.get()] {
    auto work = net::make_work_guard(*ctx);
    ctx->run();
  });
  health_thread_ = std::thread([this] { watch_health(); });
  consumer_->start(ctx_->get_executor());
  if (deadlines_) deadlines_->start();
  log_event(spdlog::level::info, "started",
            {{"version", PAYNOTIFY_VERSION},
             {"topic", config_.engine.main_topic},
             {"group", config_.group},
             {"adminPort", admin_->port()},
             {"owner", config_.engine.owner},
             {"verifyRecords", config_.engine.record_keys ? "on" : "off"},
             {"keys", config_.engine.record_keys ? config_.engine.record_keys->size() : 0},
             // The endpoint only: the key file's path and contents are never logged.
             {"reconcile", config_.antom_api ? config_.antom_api->base_url : "off"},
             {"reconcileAfterMs", config_.engine.reconcile_after_ms}});
}

// Redis reachability and the trust in its parking, checked on a connection of their own; they
// gate consumption and /readyz. A rebuild after data loss runs here, blocking this thread only.
void Worker::watch_health() {
  ParkingRecoverySettings settings{
      config_.kafka_brokers,        config_.kafka_properties,  config_.group,
      config_.engine.retry_topic(), config_.engine.main_topic, config_.engine.dedupe_ttl_s,
      config_.engine.owner};
  settings.record_keys = config_.engine.record_keys;
  ParkingRecovery recovery(
      std::move(settings),
      std::make_unique<RedisParkingStore>(config_.redis, config_.engine.main_topic), generation_,
      RecoveryMetrics{metrics_.parking_rebuilds, metrics_.parkings_restored, metrics_.parkings_kept,
                      metrics_.stale_parkings_lifted});
  // Logged on every change, and at start when Redis cannot be reached (a wrong CA or password
  // never changes: the first line is the one that names it).
  bool first = true;
  auto next_probe = std::chrono::steady_clock::now();
  while (running_.load()) {
    if (std::chrono::steady_clock::now() >= next_probe) {
      consumer_->probe();  // Kafka's reachability and the lag, here: it may block a second
      next_probe = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    const auto checked = recovery.check();
    const bool up = checked.has_value();
    const bool changed = up != redis_up_.exchange(up);
    if (changed || (first && !up)) {
      log_event(up ? spdlog::level::info : spdlog::level::warn,
                up ? "redis_reachable" : "redis_unreachable",
                {{"error", up ? std::string() : describe(checked.error())}});
    }
    first = false;
    consumer_->set_paused(!up || !generation_->trusted() || !engine_->dedupe_reachable());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int64_t Worker::stop() {
  if (stopped_) return 0;
  stopped_ = true;
  int64_t unfinished = 0;
  if (running_.exchange(false)) {
    log_event(spdlog::level::info, "draining", {{"inFlight", engine_->in_flight()}});
    health_thread_.join();
    consumer_->set_paused(true);
    engine_->begin_drain();
    const auto deadline = std::chrono::steady_clock::now() + config_.drain_timeout;
    while (engine_->in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    unfinished = engine_->in_flight();
    consumer_->stop();  // commits stored offsets and leaves the group (the engine still runs)
  }
  // Teardown in order: no delivery reports into the engine (publishes still waiting end with
  // no_report, and may resume before the loop stops), its thread stopped, no Redis results
  // posted any more, the engine torn down (its delivery timer with it), then the io_context (and
  // the coroutine frames it still holds) destroyed while everything those frames point to is
  // alive.
  if (deadlines_) deadlines_->stop();
  if (engine_) engine_->close_gate();
  ctx_->stop();
  if (engine_thread_.joinable()) engine_thread_.join();
  if (dedupe_) dedupe_->stop();
  if (engine_) engine_->tear_down();
  orders_.reset();
  leases_.reset();  // its socket and timer belong to the loop
  ctx_.reset();
  if (producer_) producer_->flush_and_stop(5000);
  if (admin_) admin_->stop();
  log_event(spdlog::level::info, "stopped", {{"unfinishedRecords", unfinished}});
  return unfinished;
}

}  // namespace paynotify::worker
