// The pipeline over the stack's secure listeners (deploy/local/stack.sh), as production runs it
// against managed services: Kafka over SASL_SSL, with SCRAM-SHA-512 (MSK, Strimzi) and with
// PLAIN (Confluent Cloud's API keys), and Redis over TLS as an ACL user, both servers'
// certificates verified against the stack's CA. Credentials come from the environment, as the
// chart passes them from its Secrets, to the ingest, the worker and the CLI alike. A wrong
// password or an untrusted CA keeps the services not ready, logging the cause, and the ingest
// acknowledges nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "common/antom/notification_signer.hpp"
#include "common/antom/request_time.hpp"
#include "common/service/ids.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/ingest_harness.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/pipeline.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/secure_env.hpp"
#include "tests/support/test_keys.hpp"

namespace paynotify::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Whether one line of the file holds both texts (librdkafka's own log lines hold the cause
// too: this finds paynotify's line, which says it with the timeout).
bool has_line_with(const std::string& path, const std::string& one, const std::string& other) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.find(one) != std::string::npos && line.find(other) != std::string::npos) return true;
  }
  return false;
}

class SecureConnections : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = secure_env();
    if (env_.empty()) GTEST_SKIP() << "PAYNOTIFY_SECURE_ENV not set: run through tests/run.sh";
    brokers_ = env_.at("PAYNOTIFY_KAFKA_BROKERS");
    // The children inherit the client properties; this process's own Kafka helpers use PLAINTEXT.
    for (const auto& [k, v] : env_) {
      if (k.rfind("PAYNOTIFY_KAFKA_PROP_", 0) == 0 || k == "PAYNOTIFY_REDIS_PASSWORD")
        setenv(k.c_str(), v.c_str(), 1);
    }
    dir_ = "/tmp/paynotify-secure-" + random_hex(4);
    std::filesystem::create_directories(dir_);
    topic_ = "secure." + random_hex(4);
  }

  // Runs `paynotify ARGS` against the SASL_SSL listener; its output goes to dir_/OUT.
  int cli(const std::string& args, const std::string& out = "cli.log") {
    return std::system((std::string(PAYNOTIFY_CLI_BIN) + " " + args + " --kafka-brokers " +
                        brokers_ + " >>" + dir_ + "/" + out + " 2>>" + dir_ + "/cli.log")
                           .c_str());
  }

  void start_ingest() {
    ingest_port_ = free_port();
    ingest_admin_ = free_port();
    ingest_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            PAYNOTIFY_INGEST_BIN, "--listen", "127.0.0.1:" + std::to_string(ingest_port_),
            "--admin-listen", "127.0.0.1:" + std::to_string(ingest_admin_), "--kafka-brokers",
            brokers_, "--topic", topic_, "--antom-public-key", test_public_key_file(),
            "--client-id", kClientId, "--path", kNotifyPath, "--ack-timeout-ms", "3000"},
        dir_ + "/ingest.log");
    ASSERT_TRUE(wait_for_port(ingest_port_, std::chrono::seconds(10))) << "logs in " << dir_;
  }

  unsigned send(const std::string& body) {
    const auto h = sign_notification(test_key(0).private_key.get(), kNotifyPath, kClientId,
                                     iso8601_now(), body, "1");
    std::string headers;
    for (const auto& [name, value] : h.as_list()) headers += name + ": " + value + "\r\n";
    return raw_exchange(ingest_port_, post_request(kNotifyPath, headers, body),
                        std::chrono::seconds(10))
        .status;
  }

  // The worker's options for the TLS Redis, as its ACL user, trusting `ca_file`.
  std::vector<std::string> secure_redis(const std::string& ca_file = "") const {
    return {"--redis", env_.at("PAYNOTIFY_REDIS"), "--redis-ca-file",
            ca_file.empty() ? env_.at("PAYNOTIFY_REDIS_CA_FILE") : ca_file};
  }

  // A CA that signed neither server's certificate.
  std::string other_ca() {
    const std::string pem = dir_ + "/other-ca.pem";
    if (!std::filesystem::exists(pem)) {
      EXPECT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir_ +
                             "/other.key -out " + pem + " -days 1 -subj /CN=other >/dev/null 2>&1")
                                .c_str()),
                0);
    }
    return pem;
  }

  std::map<std::string, std::string> env_;
  std::string brokers_, dir_, topic_;
  uint16_t ingest_port_ = 0, ingest_admin_ = 0;
  std::unique_ptr<ChildProcess> ingest_;
};

// The Kafka tests run once per SASL mechanism the stack's SASL_SSL listener offers.
class SecureKafka : public SecureConnections, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    SecureConnections::SetUp();
    if (IsSkipped()) return;
    env_["PAYNOTIFY_KAFKA_PROP_SASL_MECHANISM"] = GetParam();
    setenv("PAYNOTIFY_KAFKA_PROP_SASL_MECHANISM", GetParam().c_str(), 1);
  }
};

INSTANTIATE_TEST_SUITE_P(Sasl, SecureKafka, ::testing::Values("SCRAM-SHA-512", "PLAIN"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param == "PLAIN" ? std::string("Plain")
                                                         : std::string("ScramSha512");
                         });

TEST_P(SecureKafka, ANotificationTravelsThroughSaslSslAndTlsRedisToTheOrderService) {
  ASSERT_EQ(cli("topics ensure --topic " + topic_ + " --partitions 2 --replication-factor 1"), 0)
      << "the CLI took its credentials from the environment; log " << dir_ << "/cli.log";
  const uint16_t orders = free_port();
  ChildProcess order_service(
      {PAYNOTIFY_ORDER_SERVICE_BIN, "--listen", "127.0.0.1:" + std::to_string(orders)},
      dir_ + "/order-service.log");
  ASSERT_TRUE(wait_for_port(orders, std::chrono::seconds(10)));
  start_ingest();
  const uint16_t worker_admin = free_port();
  auto worker_args = secure_redis();
  worker_args.insert(worker_args.end(), {"--kafka-brokers", brokers_});
  ChildProcess worker(
      worker_command(topic_, "secure-" + random_hex(3),
                     "http://127.0.0.1:" + std::to_string(orders), worker_admin, worker_args),
      dir_ + "/worker.log");
  ASSERT_TRUE(
      wait_until([&] { return admin_readiness(ingest_admin_) == 200; }, std::chrono::seconds(30)))
      << "ingest not ready over SASL_SSL; logs in " << dir_;
  const std::string payment = "pay-secure-" + random_hex(3);
  EXPECT_EQ(send(payment_result_body(payment)), 200u);
  EXPECT_TRUE(
      wait_until([&] { return order_service_applied(orders).at("applied").as_int64() == 1; },
                 std::chrono::seconds(60)))
      << "logs in " << dir_;
  EXPECT_EQ(admin_readiness(worker_admin), 200u);
  ASSERT_EQ(cli("peek --topic " + topic_ + " --max 1 --timeout-ms 10000", "peek.json"), 0);
  EXPECT_NE(slurp(dir_ + "/peek.json").find(payment), std::string::npos)
      << "peek read the record over SASL_SSL";

  // The worker's Redis connections are TLS ones logged in as the ACL user: the server lists
  // them (CLIENT LIST, asked over the plain port as the default user).
  const auto clients = worker::RedisConnection(plain_redis_settings()).command({"CLIENT", "LIST"});
  ASSERT_TRUE(clients);
  EXPECT_NE(clients->text.find("user=paynotify"), std::string::npos) << clients->text;
  // A dead-lettered notification replayed over SASL_SSL: the order service refuses a payment
  // (422, permanent), then accepts it; `paynotify replay` moves it back and it is applied.
  const std::string refused = "pay-refused-" + random_hex(3);
  order_service_control(orders, R"({"rejectPaymentIds":[")" + refused + R"("]})");
  EXPECT_EQ(send(payment_result_body(refused)), 200u);
  ASSERT_TRUE(wait_until(
      [&] {
        return admin_metric(worker_admin,
                            R"(paynotify_worker_dead_lettered_total{error_class="permanent"})") >=
               1;
      },
      std::chrono::seconds(60)))
      << "logs in " << dir_;
  order_service_control(orders, R"({"rejectPaymentIds":[]})");
  ASSERT_EQ(
      cli("replay --topic " + topic_ + " --group replay-" + topic_ + " --error-class permanent",
          "replay.log"),
      0)
      << "logs in " << dir_;
  EXPECT_TRUE(
      wait_until([&] { return order_service_applied(orders).at("applied").as_int64() == 2; },
                 std::chrono::seconds(60)))
      << "the replayed notification was applied; logs in " << dir_;

  // And the CLI reads the payment's ledger the same way, with the settings the services read
  // (the address, its CA and the password from the environment; no --redis flag).
  ASSERT_EQ(std::system(("PAYNOTIFY_REDIS=" + env_.at("PAYNOTIFY_REDIS") +
                         " PAYNOTIFY_REDIS_CA_FILE=" + env_.at("PAYNOTIFY_REDIS_CA_FILE") + " " +
                         PAYNOTIFY_CLI_BIN + " ledger show --topic " + topic_ + " --payment-id " +
                         payment + " >" + dir_ + "/ledger.json 2>>" + dir_ + "/cli.log")
                            .c_str()),
            0)
      << "logs in " << dir_;
  EXPECT_NE(slurp(dir_ + "/ledger.json").find("AUTHORIZED"), std::string::npos)
      << slurp(dir_ + "/ledger.json");
}

TEST_P(SecureKafka, AWrongPasswordOrAnUntrustedCaKeepsTheIngestNotReadyAndAcknowledgesNothing) {
  ASSERT_EQ(cli("topics ensure --topic " + topic_ + " --partitions 2 --replication-factor 1"), 0);
  setenv("PAYNOTIFY_KAFKA_PROP_SASL_PASSWORD", "not-the-password", 1);
  start_ingest();
  const uint16_t worker_admin = free_port();
  ChildProcess worker(worker_command(topic_, "secure-" + random_hex(3), "http://127.0.0.1:1",
                                     worker_admin, {"--kafka-brokers", brokers_}),
                      dir_ + "/worker.log");
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_NE(admin_readiness(ingest_admin_), 200u);
  EXPECT_EQ(send(payment_result_body("pay-refused")), 503u)
      << "nothing acknowledged: Antom sends it again";
  EXPECT_NE(admin_readiness(worker_admin), 200u);
  // One warning line names the cause: event kafka_error, code _AUTHENTICATION.
  EXPECT_NE(slurp(dir_ + "/ingest.log").find("SASL authentication error: Authentication failed"),
            std::string::npos)
      << "logs in " << dir_;
  EXPECT_NE(slurp(dir_ + "/worker.log").find("SASL authentication error: Authentication failed"),
            std::string::npos)
      << "logs in " << dir_;
  ingest_.reset();
  // The CLI's error names the cause too, not only that nothing answered in time.
  EXPECT_NE(cli("topics ensure --topic " + topic_ + " --timeout-ms 3000", "ensure.log"), 0);
  EXPECT_TRUE(has_line_with(dir_ + "/cli.log", "answered within 3000 ms: ",
                            "SASL authentication error: Authentication failed"))
      << "logs in " << dir_;
  // So does reading a topic (peek, replay, the ledger's audits).
  EXPECT_NE(cli("peek --topic " + topic_ + " --timeout-ms 3000", "peek.log"), 0);
  EXPECT_TRUE(has_line_with(dir_ + "/cli.log", "cannot read topic " + topic_ + ": ",
                            "SASL authentication error: Authentication failed"))
      << "logs in " << dir_;

  // The right password, but a CA that did not sign the broker's certificate.
  setenv("PAYNOTIFY_KAFKA_PROP_SASL_PASSWORD",
         env_.at("PAYNOTIFY_KAFKA_PROP_SASL_PASSWORD").c_str(), 1);
  setenv("PAYNOTIFY_KAFKA_PROP_SSL_CA_LOCATION", other_ca().c_str(), 1);
  std::filesystem::remove(dir_ + "/ingest.log");
  start_ingest();
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_NE(admin_readiness(ingest_admin_), 200u);
  EXPECT_EQ(send(payment_result_body("pay-refused")), 503u);
  EXPECT_NE(slurp(dir_ + "/ingest.log").find("certificate verify failed"), std::string::npos)
      << "logs in " << dir_;
}

TEST_F(SecureConnections, AnUntrustedRedisCaOrAWrongRedisPasswordKeepsTheWorkerNotReady) {
  ASSERT_EQ(cli("topics ensure --topic " + topic_ + " --partitions 2 --replication-factor 1"), 0);
  const uint16_t admin = free_port();
  const auto worker_args = [&](std::vector<std::string> redis) {
    redis.insert(redis.end(), {"--kafka-brokers", brokers_});
    return worker_command(topic_, "secure-" + random_hex(3), "http://127.0.0.1:1", admin, redis);
  };
  {
    ChildProcess worker(worker_args(secure_redis(other_ca())), dir_ + "/worker-ca.log");
    // One warning line names the cause: event redis_unreachable.
    EXPECT_TRUE(wait_until(
        [&] {
          return slurp(dir_ + "/worker-ca.log").find("certificate verify failed") !=
                 std::string::npos;
        },
        std::chrono::seconds(15)))
        << "logs in " << dir_;
    EXPECT_NE(admin_readiness(admin), 200u);
  }
  setenv("PAYNOTIFY_REDIS_PASSWORD", "not-the-password", 1);
  ChildProcess worker(worker_args(secure_redis()), dir_ + "/worker-password.log");
  EXPECT_TRUE(wait_until(
      [&] {
        return slurp(dir_ + "/worker-password.log").find("AUTH failed: WRONGPASS") !=
               std::string::npos;
      },
      std::chrono::seconds(15)))
      << "logs in " << dir_;
  EXPECT_NE(admin_readiness(admin), 200u);
  const std::string log = slurp(dir_ + "/worker-password.log");
  EXPECT_EQ(log.find("not-the-password"), std::string::npos)
      << "the password never reaches the log";
}

}  // namespace
}  // namespace paynotify::testing
