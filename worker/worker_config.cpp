#include "worker/worker_config.hpp"

#include <unistd.h>

#include <boost/url/parse.hpp>

#include "common/antom/antom_api_options.hpp"
#include "common/service/antom_key_options.hpp"
#include "common/service/ids.hpp"
#include "worker/redis/redis_settings.hpp"

namespace paynotify::worker {

namespace {

// Checked here, before the client is built, and never repeated: a mistyped URL may hold
// credentials. The client would drop user info, a query and a fragment silently.
void check_order_service_url(const std::string& text) {
  if (text.empty()) throw ConfigError("--order-service-url is required");
  const auto url = boost::urls::parse_uri(text);
  // Boost.URL 1.81 takes `https://user:password` (a host forgotten) for a host and an empty port.
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty() ||
      (url->has_port() && Options::parse_port(url->port()).value_or(0) == 0)) {
    throw ConfigError(
        "--order-service-url must be an http:// or https:// URL with a host and a port of "
        "1-65535 if any (the value is not repeated, as it may hold credentials)");
  }
  if (url->has_userinfo() || url->has_query() || url->has_fragment()) {
    throw ConfigError(
        "--order-service-url must not hold user info, a query or a fragment (the value is not "
        "repeated; the worker proves who it is with --order-service-cert-file)");
  }
}

}  // namespace

Options worker_options() {
  std::vector<OptionSpec> specs{
      {"kafka-brokers", "127.0.0.1:9092", "Kafka bootstrap servers"},
      {"topic", "antom.notifications",
       "main topic; <topic>.retry and <topic>.dlq are derived from it"},
      {"group", "paynotify-worker", "Kafka consumer group"},
      {"kafka-max-in-flight", "5",
       "produce requests in flight per broker for the retry, dead-letter and anomalies topics "
       "(1-5)"},
  };
  for (auto& spec : redis_option_specs("Redis for dedupe, parking and the ledger"))
    specs.push_back(std::move(spec));
  specs.push_back(
      {"verify-records", "on",
       "verify each record's Antom signature with the ingest's keys before reading it, and "
       "dead-letter what does not verify (error class unsigned_record): on, or off only where "
       "Kafka ACLs let no one but the ingest write the main and retry topics"});
  for (auto& spec : antom_key_option_specs()) specs.push_back(std::move(spec));
  // Reconciliation (README "Reconciliation"): off until a merchant private key is given.
  for (auto& spec : antom_api_option_specs()) specs.push_back(std::move(spec));
  specs.push_back({"reconcile-capture-after", "30m",
                   "with a merchant private key: ask Antom about an authorization with nothing "
                   "captured this long after it (automatic capture reports within seconds), and "
                   "once more this long before its expiry warning"});
  specs.push_back({"reconcile-rate", "5", "inquiries to Antom per second, at most"});
  specs.insert(
      specs.end(),
      {
          {"redis-connections", "4", "Redis connections, each on a thread of its own"},
          {"order-service-url", "",
           "base URL of the order service (http:// or https://); events go to "
           "<url>/payment-events"},
          {"order-service-ca-file", "",
           "https order service: PEM file of the CAs to trust (default: the system's)"},
          {"order-service-cert-file", "",
           "https order service: PEM client certificate chain to present (mutual TLS)"},
          {"order-service-key-file", "", "PEM private key of --order-service-cert-file"},
          {"order-timeout-ms", "5000", "time allowed for one order-service call"},
          {"admin-listen", "0.0.0.0:9103", "address:port for /healthz, /readyz and /metrics"},
          {"dedupe-ttl-s", "604800", "how long an applied event is remembered (default 7 days)"},
          {"lease-ms", "5000",
           "how long a claim holds an event; renewed every third of it while its call runs, so a "
           "crashed worker's events are taken over this soon after the group notices"},
          {"stale-after", "6d",
           "dead-letter (error class stale) a notification signed longer than this before its "
           "receipt: a replay, not a re-send; below --dedupe-ttl-s; 0s: off"},
          {"retry-for", "48h",
           "how long an event is retried from its first failure before it is dead-lettered (below "
           "--dedupe-ttl-s)"},
          {"quick-retries", "3", "order-service tries in process per round"},
          {"retry-base-ms", "2000", "first retry-topic delay; doubles each round (with jitter)"},
          {"retry-max-ms", "900000", "longest retry-topic delay (default 15 min)"},
          {"breaker-failures", "10",
           "failed order-service calls in a row that open the circuit breaker"},
          {"breaker-open-max-ms", "30000", "longest the breaker stays open between probe calls"},
          {"ledger", "on",
           "keep each payment's ledger and raise anomalies (Antom's money rules): on or off"},
          {"capture-warning-before", "24h",
           "raise AUTHORIZATION_EXPIRING_UNCAPTURED when an authorization with nothing captured "
           "expires within this"},
          {"ledger-ttl", "35d",
           "how long a payment's ledger is kept after its last event (past the 7-day capture "
           "deadline)"},
          {"concurrency", "64", "events applied at once, across payments"},
          {"max-in-flight", "20000",
           "records held in memory before consumption pauses (3/4 main topic, 1/4 retry topic)"},
          {"max-in-flight-bytes", "16777216",
           "Kafka bytes (value, key, headers) of the records held before consumption pauses "
           "(shared the same way)"},
          {"drain-timeout-ms", "20000", "on SIGTERM, how long in-flight events may take to finish"},
          {"log-level", "info", "trace, debug, info, warn or error"},
      });
  return Options(
      "paynotify-worker",
      "Consumes verified Antom notifications from Kafka, deduplicates them in Redis and applies "
      "each payment, capture and refund outcome once to the order service, in order per payment.",
      std::move(specs));
}

WorkerConfig worker_config_from(const Options& o) {
  WorkerConfig c;
  c.kafka_brokers = o.str("kafka-brokers");
  if (c.kafka_brokers.empty()) throw ConfigError("--kafka-brokers must not be empty");
  c.group = o.str("group");
  if (c.group.empty()) throw ConfigError("--group must not be empty");
  c.kafka_properties = o.kafka_properties();
  c.kafka_max_in_flight = static_cast<int>(o.integer("kafka-max-in-flight", 1, 5));
  c.redis = redis_settings_from(o);
  c.redis_connections = static_cast<std::size_t>(o.integer("redis-connections", 1, 64));
  c.order_service.url = o.str("order-service-url");
  check_order_service_url(c.order_service.url);
  c.order_service.ca_file = o.str("order-service-ca-file");
  c.order_service.cert_file = o.str("order-service-cert-file");
  c.order_service.key_file = o.str("order-service-key-file");
  c.order_service.request_timeout =
      std::chrono::milliseconds(o.integer("order-timeout-ms", 100, 120000));
  std::tie(c.admin_host, c.admin_port) = o.endpoint("admin-listen");
  const std::string verify = o.str("verify-records");
  if (verify != "on" && verify != "off")
    throw ConfigError("--verify-records must be on or off, got '" + verify + "'");
  const std::shared_ptr<const KeyRegistry> antom_keys = antom_keys_from(o);
  c.engine.record_keys = antom_keys;
  if (verify == "on" && !c.engine.record_keys) {
    throw ConfigError(
        "no Antom public key to verify records with: give the ingest's --antom-public-key and "
        "--client-id, "
        "or --keys; or --verify-records off if Kafka ACLs let only the ingest write the topics");
  }
  if (verify == "off") c.engine.record_keys = nullptr;
  c.engine.main_topic = o.str("topic");
  if (c.engine.main_topic.empty()) throw ConfigError("--topic must not be empty");
  c.engine.dedupe_ttl_s = o.integer("dedupe-ttl-s", 60, 365 * 86400);
  c.engine.lease_ms = o.integer("lease-ms", 3000, 3600000);
  c.engine.retry.retry_for_ms = o.duration_ms("retry-for", 0, 365LL * 86400 * 1000);
  // Past the dedupe TTL an applied event is forgotten: a retry after that could apply twice.
  if (c.engine.retry.retry_for_ms >= c.engine.dedupe_ttl_s * 1000) {
    throw ConfigError("--retry-for must be below --dedupe-ttl-s (" +
                      std::to_string(c.engine.dedupe_ttl_s) + " s), got '" + o.str("retry-for") +
                      "'");
  }
  c.engine.stale_after_ms = o.duration_ms("stale-after", 0, 365LL * 86400 * 1000);
  if (c.engine.stale_after_ms >= c.engine.dedupe_ttl_s * 1000) {
    throw ConfigError("--stale-after must be below --dedupe-ttl-s (" +
                      std::to_string(c.engine.dedupe_ttl_s) + " s), got '" + o.str("stale-after") +
                      "'");
  }
  c.engine.retry.quick_tries = static_cast<int>(o.integer("quick-retries", 1, 20));
  c.engine.retry.retry_base_ms = o.integer("retry-base-ms", 10, 3600000);
  c.engine.retry.retry_max_ms =
      o.integer("retry-max-ms", c.engine.retry.retry_base_ms, 24LL * 3600000);
  c.engine.breaker.failures_to_open = static_cast<int>(o.integer("breaker-failures", 1, 100000));
  c.engine.breaker.open_max_ms =
      o.integer("breaker-open-max-ms", c.engine.breaker.open_base_ms, 3600000);
  const std::string ledger = o.str("ledger");
  if (ledger != "on" && ledger != "off")
    throw ConfigError("--ledger must be on or off, got '" + ledger + "'");
  c.engine.ledger = ledger == "on";
  c.engine.capture_warning_before_ms =
      o.duration_ms("capture-warning-before", 0, 7LL * 86400 * 1000);
  c.engine.ledger_ttl_s =
      o.duration_ms("ledger-ttl", 8LL * 86400 * 1000, 3650LL * 86400 * 1000) / 1000;
  c.antom_api = antom_api_settings_from(o, antom_keys);
  if (c.antom_api) {
    if (!c.engine.ledger) {
      throw ConfigError(
          "reconciliation asks Antom about the ledger's uncaptured authorizations: "
          "--merchant-private-key needs --ledger on");
    }
    c.engine.reconcile_after_ms =
        o.duration_ms("reconcile-capture-after", 1000, 7LL * 86400 * 1000);
    // An inquiry must end inside the deadline watch's 60 s lease on the payment (two tries of
    // 10 s, 5 s to connect), where the CLI allows Antom's SDKs' 15 s and 30 s.
    c.antom_api->connect_timeout = std::chrono::milliseconds(5000);
    c.antom_api->call_timeout = std::chrono::milliseconds(10000);
    c.antom_api->tries = 2;
    c.reconcile_rate = static_cast<int>(o.integer("reconcile-rate", 1, 100));
  }
  c.engine.concurrency = static_cast<std::size_t>(o.integer("concurrency", 1, 10000));
  c.engine.max_in_flight = static_cast<std::size_t>(o.integer("max-in-flight", 1, 10000000));
  c.engine.max_in_flight_bytes =
      static_cast<std::size_t>(o.integer("max-in-flight-bytes", 65536, int64_t{1} << 40));
  c.drain_timeout = std::chrono::milliseconds(o.integer("drain-timeout-ms", 0, 600000));
  c.log_level = o.str("log-level");
  char host[256] = "worker";
  gethostname(host, sizeof host - 1);
  // Unique per process: a lease left by a crashed worker is never mistaken for this one's.
  c.engine.owner = std::string(host) + ":" + std::to_string(getpid()) + ":" + random_hex(4);
  return c;
}

}  // namespace paynotify::worker
