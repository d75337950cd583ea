// paynotify-ingest: wires configuration, keys, the Kafka producer, the notification listener
// and the admin port together, then waits for SIGTERM/SIGINT and drains.
#include <iostream>

#include "common/kafka/kafka_producer.hpp"
#include "common/service/admin_server.hpp"
#include "common/service/log.hpp"
#include "common/service/service_main.hpp"
#include "ingest/ingest_config.hpp"

using namespace paynotify;

int main(int argc, char** argv) {
  Options options = ingest::ingest_options();
  ingest::IngestConfig config;
  if (const auto exit_code = start_service("paynotify-ingest", options, argc, argv, [&] {
        config = ingest::ingest_config_from(options);
        init_logging("ingest", config.log_level);
      })) {
    return *exit_code;
  }
  const sigset_t stop_signals = block_stop_signals();

  try {
    MetricsRegistry registry;
    ingest::IngestMetrics metrics(registry);
    // /readyz: every partition of the topic served, not only listed.
    KafkaProducer producer(
        {.brokers = config.kafka_brokers,
         .properties = config.kafka_properties,
         .message_timeout_ms = static_cast<int>(config.server.ack_timeout.count()),
         .queue_max_messages = config.producer_queue_max,
         .max_in_flight = config.kafka_max_in_flight,
         .served_topic = config.intake.topic});
    registry.gauge_fn("paynotify_ingest_producer_queue_depth",
                      "Records waiting in the Kafka producer",
                      [&producer] { return static_cast<double>(producer.queue_depth()); });
    registry.gauge_fn("paynotify_ingest_kafka_reachable",
                      "1 while a Kafka broker answers metadata requests",
                      [&producer] { return producer.reachable() ? 1.0 : 0.0; });
    registry.gauge_fn("paynotify_ingest_producer_recreations",
                      "Producers re-created after a fatal error",
                      [&producer] { return static_cast<double>(producer.recreations()); });
    registry.gauge_fn("paynotify_ingest_topic_served",
                      "1 while every partition of the topic is served by its leader",
                      [&producer] { return producer.topic_served() ? 1.0 : 0.0; });
    registry.family_fn(
        "paynotify_ingest_kafka_unconfirmed_deliveries_total",
        "Delivery reports of success without an offset (not proof of a write: answered 503)",
        prometheus::MetricType::Counter, [&producer] { return producer.unconfirmed_deliveries(); });

    ingest::NotificationIntake intake(config.intake, *config.keys);
    ingest::IngestServer server(config.server, intake, producer, metrics);
    AdminServer admin(config.admin_host, config.admin_port, registry,
                      [&producer] { return producer.topic_served(); });
    try {
      server.start();
      admin.start();
    } catch (const ConfigError& e) {
      std::cerr << "paynotify-ingest: " << e.what() << "\n";  // a busy port, an unresolvable host
      return 2;
    }
    log_event(spdlog::level::info, "started",
              {{"version", PAYNOTIFY_VERSION},
               {"port", server.port()},
               {"adminPort", admin.port()},
               {"path", config.intake.path},
               {"topic", config.intake.topic},
               {"threads", config.server.threads},
               {"keys", config.keys->size()}});

    const int sig = wait_for_stop_signal(stop_signals);
    log_event(spdlog::level::info, "draining", {{"signal", sig}});
    const int64_t unfinished = server.drain_and_stop(config.drain_timeout);
    const int unflushed = producer.flush_and_stop(static_cast<int>(config.drain_timeout.count()));
    admin.stop();
    log_event(spdlog::level::info, "stopped",
              {{"unfinishedRequests", unfinished}, {"unflushedRecords", unflushed}});
    return unfinished == 0 && unflushed == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    log_event(spdlog::level::critical, "start_failed", {{"error", e.what()}});
    std::cerr << "paynotify-ingest: " << e.what() << "\n";
    return 1;
  }
}
