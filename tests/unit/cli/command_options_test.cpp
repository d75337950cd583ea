#include "cli/command_options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace paynotify::cli {
namespace {

TEST(CommandEnvironment, ACommandReadsHowToReachKafkaAndRedisAsTheServicesDo) {
  const std::vector<std::string> kept = command_environment({
      "PAYNOTIFY_KAFKA_BROKERS=10.0.0.1:9093",
      "PAYNOTIFY_KAFKA_PROP_SASL_PASSWORD=secret",
      "PAYNOTIFY_REDIS=rediss://paynotify@redis:6380",
      "PAYNOTIFY_REDIS_PASSWORD=also-secret",
      "PAYNOTIFY_REDIS_CA_FILE=/etc/ca.pem",
      "PAYNOTIFY_TOPIC=payments.main",          // a service's: --topic means other topics here
      "PAYNOTIFY_KAFKA_BROKERS_EXTRA=nothing",  // not the setting, only its prefix
      "PAYNOTIFY_REDIS_MAX_REPLY_BYTES=1",
      "PATH=/usr/bin",
  });
  EXPECT_EQ(kept, (std::vector<std::string>{
                      "PAYNOTIFY_KAFKA_BROKERS=10.0.0.1:9093",
                      "PAYNOTIFY_KAFKA_PROP_SASL_PASSWORD=secret",
                      "PAYNOTIFY_REDIS=rediss://paynotify@redis:6380",
                      "PAYNOTIFY_REDIS_PASSWORD=also-secret",
                      "PAYNOTIFY_REDIS_CA_FILE=/etc/ca.pem",
                  }));
}

TEST(CommandEnvironment, TheEnvironmentSetsTheBrokersAndAFlagWins) {
  const std::vector<std::string> environment = command_environment(
      {"PAYNOTIFY_KAFKA_BROKERS=10.0.0.1:9093", "PAYNOTIFY_TOPIC=payments.main"});
  auto options = [] {
    return Options("paynotify peek", "test",
                   {{"kafka-brokers", "127.0.0.1:9092", "brokers"},
                    {"topic", "antom.notifications", "topic"}});
  };
  Options from_env = options();
  ASSERT_EQ(from_env.parse({}, environment), Options::Outcome::run);
  EXPECT_EQ(from_env.str("kafka-brokers"), "10.0.0.1:9093");
  EXPECT_EQ(from_env.str("topic"), "antom.notifications");
  Options flagged = options();
  ASSERT_EQ(flagged.parse({"--kafka-brokers", "127.0.0.1:1"}, environment), Options::Outcome::run);
  EXPECT_EQ(flagged.str("kafka-brokers"), "127.0.0.1:1");
}

}  // namespace
}  // namespace paynotify::cli
