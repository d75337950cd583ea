// paynotify-ingest: wires configuration, keys, the Kafka producer, the notification listener
// and the admin port together, then waits for SIGTERM/SIGINT and drains.
#include <csignal>
#include <iostream>

#include "common/admin_server.hpp"
#include "common/kafka_producer.hpp"
#include "common/log.hpp"
#include "ingest/ingest_config.hpp"

#ifndef PAYNOTIFY_VERSION
#define PAYNOTIFY_VERSION "dev"
#endif

using namespace paynotify;

int main(int argc, char** argv) {
  Options options = ingest::ingest_options();
  ingest::IngestConfig config;
  try {
    const auto outcome = options.parse({argv + 1, argv + argc}, process_environment());
    if (outcome == Options::Outcome::help) {
      std::cout << options.help_text();
      return 0;
    }
    if (outcome == Options::Outcome::version) {
      std::cout << "paynotify-ingest " << PAYNOTIFY_VERSION << "\n";
      return 0;
    }
    if (!options.positional().empty()) throw ConfigError("unexpected argument '" + options.positional().front() + "'");
    config = ingest::ingest_config_from(options);
    init_logging("ingest", config.log_level);
  } catch (const std::exception& e) {
    std::cerr << "paynotify-ingest: " << e.what() << "\n";
    return 2;
  }

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    MetricsRegistry registry;
    ingest::IngestMetrics metrics(registry);
    KafkaProducer producer({config.kafka_brokers, config.kafka_properties,
                            static_cast<int>(config.server.ack_timeout.count()),
                            config.producer_queue_max, 2});
    registry.gauge_fn("paynotify_ingest_producer_queue_depth", "Records waiting in the Kafka producer",
                      [&producer] { return static_cast<double>(producer.queue_depth()); });
    registry.gauge_fn("paynotify_ingest_kafka_reachable", "1 while a Kafka broker answers metadata requests",
                      [&producer] { return producer.reachable() ? 1.0 : 0.0; });
    registry.gauge_fn("paynotify_ingest_producer_recreations", "Producers re-created after a fatal error",
                      [&producer] { return static_cast<double>(producer.recreations()); });

    ingest::NotificationIntake intake(config.intake, *config.keys);
    ingest::IngestServer server(config.server, intake, producer, metrics);
    AdminServer admin(config.admin_host, config.admin_port, registry, [&producer] { return producer.reachable(); });
    server.start();
    admin.start();
    log_event(spdlog::level::info, "started",
              {{"version", PAYNOTIFY_VERSION},
               {"port", server.port()},
               {"adminPort", admin.port()},
               {"path", config.intake.path},
               {"topic", config.intake.topic},
               {"threads", config.server.threads},
               {"keys", config.keys->size()}});

    int sig = 0;
    sigwait(&stop_signals, &sig);
    log_event(spdlog::level::info, "draining", {{"signal", sig}});
    const int64_t unfinished = server.drain_and_stop(config.drain_timeout);
    const int unflushed = producer.flush_and_stop(static_cast<int>(config.drain_timeout.count()));
    admin.stop();
    log_event(spdlog::level::info, "stopped", {{"unfinishedRequests", unfinished}, {"unflushedRecords", unflushed}});
    return unfinished == 0 && unflushed == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    log_event(spdlog::level::critical, "start_failed", {{"error", e.what()}});
    std::cerr << "paynotify-ingest: " << e.what() << "\n";
    return 1;
  }
}
