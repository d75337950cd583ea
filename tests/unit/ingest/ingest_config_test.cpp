#include "ingest/ingest_config.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/service/cpu_budget.hpp"
#include "tests/support/test_keys.hpp"

namespace paynotify::ingest {
namespace {

class IngestConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("paynotify-cfg-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "antom.b64") << paynotify::testing::test_key(0).pair.public_base64;
    std::ofstream(dir_ / "keys.json")
        << R"({"C1":[{"keyVersion":"1","publicKey":")"
        << paynotify::testing::test_key(0).pair.public_base64 << "\"}]}";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  IngestConfig load(std::vector<std::string> args, std::vector<std::string> env = {}) {
    auto o = ingest_options();
    o.parse(args, env);
    return ingest_config_from(o);
  }
  std::string error_of(std::vector<std::string> args, std::vector<std::string> env = {}) {
    try {
      load(std::move(args), std::move(env));
    } catch (const std::exception& e) {
      return e.what();
    }
    return "no error";
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(IngestConfigTest, DefaultsFollowTheDesign) {
  const auto c = load({"--antom-public-key", file("antom.b64"), "--client-id", "C1"});
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.admin_port, 9102);
  EXPECT_EQ(c.intake.path, "/notifications/antom");
  EXPECT_EQ(c.intake.topic, "antom.notifications");
  EXPECT_EQ(c.kafka_brokers, "127.0.0.1:9092");
  EXPECT_EQ(c.intake.max_clock_skew_ms, 0);
  EXPECT_EQ(c.keys->size(), 1u);
  EXPECT_EQ(c.server.threads, std::min(64, usable_cpus())) << "one per CPU it may use";
}

TEST_F(IngestConfigTest, ThreadsFollowTheCpusTheProcessMayUseNotTheMachines) {
  // Held to one CPU (as a container's cpuset would), the default is one I/O thread, however
  // many CPUs the machine has.
  cpu_set_t before;
  ASSERT_EQ(sched_getaffinity(0, sizeof before, &before), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  for (std::size_t cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &before)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  const auto c = load({"--antom-public-key", file("antom.b64"), "--client-id", "C1"});
  ASSERT_EQ(sched_setaffinity(0, sizeof before, &before), 0);
  EXPECT_EQ(c.server.threads, 1);
  EXPECT_EQ(load({"--antom-public-key", file("antom.b64"), "--client-id", "C1", "--threads", "3"})
                .server.threads,
            3);
}

TEST_F(IngestConfigTest, EnvironmentConfiguresLikeFlags) {
  const auto c =
      load({}, {"PAYNOTIFY_KEYS=" + file("keys.json"), "PAYNOTIFY_LISTEN=127.0.0.1:9000",
                "PAYNOTIFY_MAX_CLOCK_SKEW_S=300", "PAYNOTIFY_KAFKA_PROP_SECURITY_PROTOCOL=SSL"});
  EXPECT_EQ(c.server.port, 9000);
  EXPECT_EQ(c.intake.max_clock_skew_ms, 300000);
  EXPECT_EQ(c.kafka_properties.at("security.protocol"), "SSL");
}

TEST_F(IngestConfigTest, StartUpErrorsNameTheOption) {
  EXPECT_NE(error_of({}).find("--antom-public-key"), std::string::npos);
  EXPECT_NE(error_of({"--antom-public-key", file("antom.b64")}).find("--client-id"),
            std::string::npos);
  EXPECT_NE(error_of({"--keys", file("keys.json"), "--client-id", "C1"}).find("not both"),
            std::string::npos);
  EXPECT_NE(error_of({"--keys", file("missing.json")}).find("--keys"), std::string::npos);
  EXPECT_NE(error_of({"--keys", file("keys.json"), "--path", "notifications"}).find("--path"),
            std::string::npos);
  EXPECT_NE(
      error_of({"--keys", file("keys.json"), "--max-body-bytes", "10"}).find("--max-body-bytes"),
      std::string::npos);
  EXPECT_NE(error_of({"--keys", file("keys.json"), "--listen", "8080"}).find("--listen"),
            std::string::npos);
  std::ofstream(dir_ / "bad.pem") << "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  EXPECT_NE(error_of({"--antom-public-key", file("bad.pem"), "--client-id", "C1"})
                .find("--antom-public-key"),
            std::string::npos);
}

}  // namespace
}  // namespace paynotify::ingest
