#include "worker/worker_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/support/test_keys.hpp"

namespace paynotify::worker {
namespace {

// The ConfigError text for these flags and environment; "" when they were accepted.
std::string config_error(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {}) {
  auto o = worker_options();
  try {
    o.parse(args, env);
    worker_config_from(o);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string order_service_url_error(const std::string& url) {
  return config_error({"--order-service-url", url, "--verify-records", "off"});
}

TEST(WorkerConfig, AnOrderServiceUrlIsAcceptedWithAPathAndAPort) {
  EXPECT_EQ(order_service_url_error("https://orders.internal:8443/api"), "");
  EXPECT_EQ(order_service_url_error("http://[::1]:8080"), "");
}

TEST(WorkerConfig, OrderServiceUrlsWithUserInfoAQueryOrAFragmentAreRefusedAndNotRepeated) {
  for (const std::string bad :
       {"https://svc:S3cret@orders.internal", "https://S3cret@orders.internal",
        "https://orders.internal/api?token=S3cret", "https://orders.internal/#S3cret"}) {
    const std::string why = order_service_url_error(bad);
    EXPECT_NE(why.find("--order-service-url must not hold user info, a query or a fragment"),
              std::string::npos)
        << bad << ": " << why;
    EXPECT_EQ(why.find("S3cret"), std::string::npos) << why;
  }
}

TEST(WorkerConfig, AMalformedOrderServiceUrlIsRefusedAndNotRepeated) {
  for (const std::string bad : {"svc:S3cret", "ftp://orders/S3cret", "https://svc:S3cret",
                                "https://", "https://orders.internal:99999"}) {
    const std::string why = order_service_url_error(bad);
    EXPECT_NE(why.find("--order-service-url must be an http:// or https:// URL"), std::string::npos)
        << bad << ": " << why;
    EXPECT_EQ(why.find("S3cret"), std::string::npos) << why;
  }
}

WorkerConfig config_of(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
  auto o = worker_options();
  args.insert(args.end(), {"--order-service-url", "https://orders.internal"});
  o.parse(args, env);
  return worker_config_from(o);
}

// On by default: a worker started without Antom's keys says what to give, or how to opt out.
TEST(WorkerConfig, RecordsAreVerifiedByDefaultWithTheIngestsKeys) {
  try {
    config_of({});
    ADD_FAILURE() << "a worker without keys started";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--antom-public-key"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--verify-records off"), std::string::npos) << e.what();
  }
  const auto verified = config_of(
      {"--antom-public-key", paynotify::testing::test_public_key_file(), "--client-id", "C1"});
  ASSERT_TRUE(verified.engine.record_keys);
  EXPECT_TRUE(verified.engine.record_keys->knows_client("C1"));
  EXPECT_FALSE(config_of({"--verify-records", "off"}).engine.record_keys);
  EXPECT_THROW(config_of({"--verify-records", "maybe"}), ConfigError);
}

// README's table of worker options.
TEST(WorkerConfig, DefaultsFollowTheReadme) {
  using std::chrono::milliseconds;
  const auto c = config_of({"--verify-records", "off"});
  EXPECT_EQ(c.kafka_brokers, "127.0.0.1:9092");
  EXPECT_EQ(c.engine.main_topic, "antom.notifications");
  EXPECT_EQ(c.group, "paynotify-worker");
  EXPECT_EQ(c.kafka_max_in_flight, 5);
  EXPECT_EQ(c.redis.host + ":" + std::to_string(c.redis.port), "127.0.0.1:6379");
  EXPECT_FALSE(c.redis.tls);
  EXPECT_EQ(c.redis.max_reply_bytes, 4194304u);
  EXPECT_EQ(c.redis_connections, 4u);
  EXPECT_EQ(c.order_service.request_timeout, milliseconds(5000));
  EXPECT_EQ(c.admin_host + ":" + std::to_string(c.admin_port), "0.0.0.0:9103");
  EXPECT_EQ(c.engine.dedupe_ttl_s, 604800);
  EXPECT_EQ(c.engine.lease_ms, 5000);
  EXPECT_EQ(c.engine.retry.quick_tries, 3);
  EXPECT_EQ(c.engine.retry.retry_base_ms, 2000);
  EXPECT_EQ(c.engine.retry.retry_max_ms, 900000);
  EXPECT_EQ(c.engine.stale_after_ms, 6 * 86400 * 1000LL);
  EXPECT_EQ(c.engine.retry.retry_for_ms, 48 * 3600 * 1000LL);
  EXPECT_EQ(c.engine.breaker.failures_to_open, 10);
  EXPECT_EQ(c.engine.breaker.open_max_ms, 30000);
  EXPECT_TRUE(c.engine.ledger);
  EXPECT_EQ(c.engine.capture_warning_before_ms, 24 * 3600 * 1000LL);
  EXPECT_EQ(c.engine.ledger_ttl_s, 35 * 86400LL);
  EXPECT_EQ(c.engine.concurrency, 64u);
  EXPECT_EQ(c.engine.max_in_flight, 20000u);
  EXPECT_EQ(c.engine.max_in_flight_bytes, 16u << 20);
  EXPECT_EQ(c.drain_timeout, milliseconds(20000));
  EXPECT_EQ(c.log_level, "info");
}

TEST(WorkerConfig, ABadValueStopsTheStartNamingItsOption) {
  const struct Row {
    std::vector<std::string> args;
    std::string named;  // the error's start
  } rows[] = {
      {{"--kafka-brokers", ""}, "--kafka-brokers"},
      {{"--group", ""}, "--group"},
      {{"--topic", ""}, "--topic"},
      {{"--kafka-max-in-flight", "6"}, "--kafka-max-in-flight"},
      {{"--redis-connections", "0"}, "--redis-connections"},
      {{"--order-service-url", ""}, "--order-service-url"},
      {{"--order-timeout-ms", "fast"}, "--order-timeout-ms"},
      {{"--admin-listen", "9103"}, "--admin-listen"},
      {{"--dedupe-ttl-s", "59"}, "--dedupe-ttl-s"},
      {{"--lease-ms", "100"}, "--lease-ms"},
      {{"--retry-for", "48"}, "--retry-for"},
      {{"--retry-for", "7d"}, "--retry-for must be below --dedupe-ttl-s"},
      {{"--stale-after", "7d"}, "--stale-after must be below --dedupe-ttl-s"},
      {{"--quick-retries", "0"}, "--quick-retries"},
      {{"--retry-max-ms", "1999"}, "--retry-max-ms"},  // below --retry-base-ms
      {{"--breaker-failures", "0"}, "--breaker-failures"},
      {{"--breaker-open-max-ms", "999"}, "--breaker-open-max-ms"},
      {{"--ledger", "yes"}, "--ledger must be on or off"},
      {{"--capture-warning-before", "8d"}, "--capture-warning-before"},
      {{"--ledger-ttl", "7d"}, "--ledger-ttl"},  // not past the 7-day capture deadline
      {{"--concurrency", "0"}, "--concurrency"},
      {{"--max-in-flight", "0"}, "--max-in-flight"},
      {{"--max-in-flight-bytes", "1024"},
       "--max-in-flight-bytes"},  // below one 64 KiB notification
      {{"--drain-timeout-ms", "-1"}, "--drain-timeout-ms"},
      {{"--verify-records", "maybe"}, "--verify-records must be on or off"},
  };
  for (const auto& row : rows) {
    std::vector<std::string> args{"--order-service-url", "https://orders.internal",
                                  "--verify-records", "off"};
    args.insert(args.end(), row.args.begin(), row.args.end());
    EXPECT_EQ(config_error(args).rfind(row.named, 0), 0u)
        << row.args.front() << " " << row.args.back() << ": " << config_error(args);
  }
}

// Secrets never go on a command line, where `ps` shows them: the worker takes them from its
// environment only, and says which variable when one is given as a flag.
TEST(WorkerConfig, SecretsAreTakenFromTheEnvironmentOnly) {
  const std::string off[] = {"--order-service-url", "https://orders.internal", "--verify-records",
                             "off"};
  for (const auto& [flag, variable] :
       {std::pair<std::string, std::string>{"--redis-password=S3cret", "PAYNOTIFY_REDIS_PASSWORD"},
        {"--kafka-prop=sasl.password=S3cret", "PAYNOTIFY_KAFKA_PROP_SASL_PASSWORD"}}) {
    std::vector<std::string> args(std::begin(off), std::end(off));
    args.push_back(flag);
    const std::string why = config_error(args);
    EXPECT_NE(why.find("set " + variable), std::string::npos) << why;
    EXPECT_EQ(why.find("S3cret"), std::string::npos) << why;
  }
  const auto c =
      config_of({"--verify-records", "off", "--redis", "redis://paynotify@redis:6379"},
                {"PAYNOTIFY_REDIS_PASSWORD=S3cret", "PAYNOTIFY_KAFKA_PROP_SASL_PASSWORD=K4fka"});
  EXPECT_EQ(c.redis.username, "paynotify");
  EXPECT_EQ(c.redis.password, "S3cret");
  EXPECT_EQ(c.kafka_properties.at("sasl.password"), "K4fka");
}

// Reconciliation is off until a merchant private key is given, and then needs the rest.
TEST(WorkerConfig, ReconciliationIsOffWithoutAMerchantKeyAndHalfGivenIsRefused) {
  const std::string key_file = ::testing::TempDir() + "/merchant-key.pem";
  std::ofstream(key_file) << testing::test_key(2).pair.private_pem;
  const std::vector<std::string> base = {"--order-service-url", "http://127.0.0.1:1",
                                         "--antom-public-key",  testing::test_public_key_file(),
                                         "--client-id",         "C1"};
  const auto config = [&](std::vector<std::string> more) {
    auto args = base;
    args.insert(args.end(), more.begin(), more.end());
    auto o = worker_options();
    o.parse(args, {});
    return worker_config_from(o);
  };
  const WorkerConfig off = config({});
  EXPECT_FALSE(off.antom_api);
  EXPECT_EQ(off.engine.reconcile_after_ms, 0);
  const WorkerConfig on =
      config({"--antom-api-url", "https://antom.example", "--merchant-private-key", key_file,
              "--reconcile-capture-after", "10m"});
  ASSERT_TRUE(on.antom_api);
  EXPECT_EQ(on.antom_api->client_id, "C1");
  EXPECT_EQ(on.engine.reconcile_after_ms, 600000);
  EXPECT_EQ(on.reconcile_rate, 5);

  auto with = [&](std::vector<std::string> more) {
    auto args = base;
    args.insert(args.end(), more.begin(), more.end());
    return config_error(args);
  };
  EXPECT_NE(with({"--antom-api-url", "https://antom.example"}).find("--merchant-private-key"),
            std::string::npos);
  EXPECT_NE(with({"--merchant-private-key", key_file}).find("--antom-api-url"), std::string::npos);
  EXPECT_NE(with({"--antom-api-url", "https://a.example", "--merchant-private-key", key_file,
                  "--ledger", "off"})
                .find("--ledger on"),
            std::string::npos);
  const std::string not_a_key = with({"--antom-api-url", "https://a.example",
                                      "--merchant-private-key", testing::test_public_key_file()});
  EXPECT_NE(not_a_key.find("--merchant-private-key: "), std::string::npos) << not_a_key;
}

}  // namespace
}  // namespace paynotify::worker
