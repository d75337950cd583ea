// The librdkafka versions whose SCRAM logins Kafka 4 brokers refuse (README "Kafka security").
#include <gtest/gtest.h>

#include "common/kafka/kafka_headers.hpp"

namespace paynotify {
namespace {

TEST(ScramWarning, OnlyScramWithALibrdkafkaBefore261) {
  EXPECT_TRUE(scram_refused_by_kafka4(0x020002ff, "SCRAM-SHA-512")) << "Debian 12's 2.0.2";
  EXPECT_TRUE(scram_refused_by_kafka4(0x020002ff, "SCRAM-SHA-256"));
  EXPECT_TRUE(scram_refused_by_kafka4(0x020600ff, "SCRAM-SHA-512")) << "2.6.0 still has the bug";
  EXPECT_FALSE(scram_refused_by_kafka4(0x020601ff, "SCRAM-SHA-512")) << "fixed in 2.6.1";
  EXPECT_FALSE(scram_refused_by_kafka4(0x020a00ff, "SCRAM-SHA-512"));
  EXPECT_FALSE(scram_refused_by_kafka4(0x020002ff, "PLAIN"));
  EXPECT_FALSE(scram_refused_by_kafka4(0x020002ff, "OAUTHBEARER"));
}

}  // namespace
}  // namespace paynotify
