#include "ingest/ingest_config.hpp"

#include <algorithm>

#include "common/service/antom_key_options.hpp"
#include "common/service/cpu_budget.hpp"

namespace paynotify::ingest {

namespace {
constexpr int64_t kMaxThreads = 64;  // --threads, given or computed
}  // namespace

Options ingest_options() {
  std::vector<OptionSpec> specs{
      {"listen", "0.0.0.0:8080", "address:port for Antom's notifications"},
      {"path", "/notifications/antom", "the notification path configured in Antom's Dashboard"},
      {"admin-listen", "0.0.0.0:9102", "address:port for /healthz, /readyz and /metrics"},
      {"kafka-brokers", "127.0.0.1:9092", "Kafka bootstrap servers"},
      {"topic", "antom.notifications", "topic the notifications are published to"},
  };
  for (auto& spec : antom_key_option_specs()) specs.push_back(std::move(spec));
  specs.insert(
      specs.end(),
      {
          {"max-body-bytes", "65536", "largest notification body accepted; larger ones get 413"},
          {"ack-timeout-ms", "5000",
           "longest wait for Kafka's delivery report before answering 503"},
          {"max-clock-skew-s", "0",
           "reject request-time further than this from now; 0 turns the check off"},
          {"signed-path-prefix", "",
           "path prefix a proxy strips before paynotify sees the request"},
          {"threads", "0",
           "I/O threads; 0 means one per CPU the process may use (its affinity mask, lowered to "
           "its container's CPU limit rounded up)"},
          {"max-connections", "1024",
           "open connections at most; at the cap the one reading its request the slowest is closed "
           "for a new one"},
          {"max-connections-per-source", "256",
           "open connections from one source address at most (0: no cap); behind a proxy every "
           "connection has its address"},
          {"min-body-rate", "1024",
           "bytes per second a body must average after its first second, or its connection is "
           "closed (0: off)"},
          {"header-timeout-ms", "10000",
           "time allowed to send the request headers (also the keep-alive idle limit)"},
          {"body-timeout-ms", "10000", "time allowed to send the body"},
          {"producer-queue-max", "100000",
           "records queued in the producer at most; beyond it requests get 503"},
          {"kafka-max-in-flight", "5",
           "produce requests in flight per broker (librdkafka's "
           "max.in.flight.requests.per.connection, 1-5)"},
          {"drain-timeout-ms", "20000",
           "on SIGTERM, how long in-flight requests may take to finish"},
          {"log-level", "info", "trace, debug, info, warn or error"},
      });
  return Options(
      "paynotify-ingest",
      "Receives Antom's signed notifications, verifies them and acknowledges each only once it "
      "is durably in Kafka.",
      std::move(specs));
}

IngestConfig ingest_config_from(const Options& o) {
  IngestConfig c;
  std::tie(c.server.host, c.server.port) = o.endpoint("listen");
  std::tie(c.admin_host, c.admin_port) = o.endpoint("admin-listen");
  const auto threads = o.integer("threads", 0, kMaxThreads);
  c.server.threads = threads > 0 ? static_cast<int>(threads)
                                 : std::min(static_cast<int>(kMaxThreads), usable_cpus());
  c.server.max_connections = static_cast<int>(o.integer("max-connections", 1, 1'000'000));
  c.server.max_connections_per_source =
      static_cast<int>(o.integer("max-connections-per-source", 0, 1'000'000));
  c.server.min_body_bytes_per_s =
      static_cast<std::size_t>(o.integer("min-body-rate", 0, 1LL << 30));
  c.server.max_body_bytes = static_cast<std::size_t>(o.integer("max-body-bytes", 256, 16 << 20));
  c.server.header_timeout = std::chrono::milliseconds(o.integer("header-timeout-ms", 10, 600'000));
  c.server.body_timeout = std::chrono::milliseconds(o.integer("body-timeout-ms", 10, 600'000));
  c.server.ack_timeout = std::chrono::milliseconds(o.integer("ack-timeout-ms", 100, 120'000));
  c.drain_timeout = std::chrono::milliseconds(o.integer("drain-timeout-ms", 0, 600'000));
  c.producer_queue_max = static_cast<int>(o.integer("producer-queue-max", 1, 10'000'000));
  c.kafka_max_in_flight = static_cast<int>(o.integer("kafka-max-in-flight", 1, 5));

  c.intake.path = o.str("path");
  if (c.intake.path.empty() || c.intake.path.front() != '/') {
    throw ConfigError("--path must start with '/', got '" + c.intake.path + "'");
  }
  c.intake.signed_path_prefix = o.str("signed-path-prefix");
  if (!c.intake.signed_path_prefix.empty() &&
      (c.intake.signed_path_prefix.front() != '/' || c.intake.signed_path_prefix.back() == '/')) {
    throw ConfigError("--signed-path-prefix must start with '/' and not end with one");
  }
  c.intake.topic = o.str("topic");
  if (c.intake.topic.empty()) throw ConfigError("--topic must not be empty");
  c.intake.max_clock_skew_ms = o.integer("max-clock-skew-s", 0, 7 * 86400) * 1000;

  c.kafka_brokers = o.str("kafka-brokers");
  if (c.kafka_brokers.empty()) throw ConfigError("--kafka-brokers must not be empty");
  c.kafka_properties = o.kafka_properties();
  c.log_level = o.str("log-level");

  c.keys = antom_keys_from(o);
  if (!c.keys)
    throw ConfigError("no Antom public key: give --antom-public-key and --client-id, or --keys");
  return c;
}

}  // namespace paynotify::ingest
