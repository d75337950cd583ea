// paynotify-worker: wires configuration, the Kafka consumer and producer, the Redis dedupe
// pool, the order-service client and the engine together; drains on SIGTERM/SIGINT.
#include <boost/asio/executor_work_guard.hpp>

#include <iostream>

#include "common/admin_server.hpp"
#include "common/kafka_producer.hpp"
#include "common/log.hpp"
#include "common/service_main.hpp"
#include "worker/worker_config.hpp"

using namespace paynotify;
using namespace paynotify::worker;

int main(int argc, char** argv) {
  Options options = worker_options();
  WorkerConfig config;
  if (const auto exit_code = start_service("paynotify-worker", options, argc, argv, [&] {
        config = worker_config_from(options);
        init_logging("worker", config.log_level);
      })) {
    return *exit_code;
  }
  const sigset_t stop_signals = block_stop_signals();

  try {
    MetricsRegistry registry;
    WorkerMetrics metrics(registry);
    KafkaProducerConfig producer_config{config.kafka_brokers, config.kafka_properties, 10000, 100000, 2,
                                        "paynotify-worker"};
    KafkaProducer producer(producer_config);
    DedupePool dedupe(config.redis_connections,
                      [&] { return std::make_unique<RedisDedupeStore>(config.redis); });
    boost::asio::io_context ctx(1);
    auto work = boost::asio::make_work_guard(ctx);
    std::thread engine_thread([&ctx] { ctx.run(); });
    std::unique_ptr<OrderServiceClient> orders_ptr;
    try {
      orders_ptr = std::make_unique<OrderServiceClient>(ctx.get_executor(), config.order_service);
    } catch (const std::invalid_argument& e) {
      ctx.stop();
      engine_thread.join();
      std::cerr << "paynotify-worker: " << e.what() << "\n";
      return 2;
    }
    OrderServiceClient& orders = *orders_ptr;
    std::unique_ptr<RecordConsumer> consumer;
    WorkerEngine engine(config.engine, ctx, dedupe, orders, producer, metrics,
                        [&consumer](const std::string& t, int32_t p, int64_t o) { consumer->store_offset(t, p, o); });
    consumer = std::make_unique<RecordConsumer>(
        ConsumerSettings{config.kafka_brokers, config.group,
                         {config.engine.main_topic, config.engine.retry_topic()}, config.kafka_properties},
        ConsumerCallbacks{[&engine](ConsumedMessage m) { engine.submit(std::move(m)); },
                          [&engine](const std::vector<TopicPartition>& parts) { engine.revoke(parts); }});

    // Redis reachability, probed on a connection of its own; it gates consumption and /readyz.
    std::atomic<bool> redis_up{false}, running{true};
    std::thread health([&] {
      RedisDedupeStore probe(config.redis);
      while (running.load()) {
        const bool up = probe.ping();
        if (up != redis_up.exchange(up)) {
          log_event(up ? spdlog::level::info : spdlog::level::warn, up ? "redis_reachable" : "redis_unreachable",
                    {{"error", up ? std::string() : probe.last_error()}});
        }
        consumer->set_paused(!up || engine.wants_pause());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
    registry.gauge_fn("paynotify_worker_redis_reachable", "1 while Redis answers PING", [&] { return redis_up.load() ? 1.0 : 0.0; });
    registry.gauge_fn("paynotify_worker_kafka_reachable", "1 while a Kafka broker answers", [&] { return consumer->reachable() ? 1.0 : 0.0; });
    registry.gauge_fn("paynotify_worker_consumption_paused", "1 while consumption is paused", [&] { return consumer->paused() ? 1.0 : 0.0; });
    registry.family_fn("paynotify_worker_consumer_lag", "Records behind the end of each owned partition", "gauge", [&] {
      MetricsRegistry::Samples samples;
      for (const auto& [tp, lag] : consumer->lag()) {
        samples.emplace_back("topic=\"" + tp.topic + "\",partition=\"" + std::to_string(tp.partition) + "\"",
                             static_cast<double>(lag));
      }
      return samples;
    });
    AdminServer admin(config.admin_host, config.admin_port, registry,
                      [&] { return redis_up.load() && consumer->reachable(); });
    admin.start();
    consumer->start();
    log_event(spdlog::level::info, "started",
              {{"version", PAYNOTIFY_VERSION}, {"topic", config.engine.main_topic}, {"group", config.group},
               {"adminPort", admin.port()}, {"owner", config.engine.owner}});

    const int sig = wait_for_stop_signal(stop_signals);
    log_event(spdlog::level::info, "draining", {{"signal", sig}, {"inFlight", engine.in_flight()}});
    running.store(false);
    health.join();
    consumer->set_paused(true);
    const auto deadline = std::chrono::steady_clock::now() + config.drain_timeout;
    while (engine.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const int64_t unfinished = engine.in_flight();
    consumer->stop();  // commits stored offsets and leaves the group (the engine still runs)
    engine.close_gate();
    ctx.stop();
    engine_thread.join();
    producer.flush_and_stop(5000);
    dedupe.stop();
    admin.stop();
    log_event(spdlog::level::info, "stopped", {{"unfinishedRecords", unfinished}});
    return unfinished == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "paynotify-worker: " << e.what() << "\n";
    return 1;
  }
}
