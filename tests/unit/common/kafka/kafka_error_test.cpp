// librdkafka's error codes in boost::system's shape: librdkafka's own words, and an
// rd_kafka_error_t taken over and freed (ASan would report the leak).
#include "common/kafka/kafka_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace paynotify {
namespace {

TEST(KafkaError, SaysWhatLibrdkafkaSays) {
  const auto code = kafka_error(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  EXPECT_TRUE(code);
  EXPECT_EQ(code.message(), rd_kafka_err2str(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS));
  EXPECT_EQ(std::string(code.category().name()), "librdkafka");
  // librdkafka's local errors are negative; they are errors too.
  EXPECT_TRUE(kafka_error(RD_KAFKA_RESP_ERR__TIMED_OUT));
  EXPECT_FALSE(kafka_error(RD_KAFKA_RESP_ERR_NO_ERROR));
}

TEST(KafkaError, AnErrorObjectIsTakenOver) {
  EXPECT_FALSE(take_kafka_error(nullptr));
  const auto code =
      take_kafka_error(rd_kafka_error_new(RD_KAFKA_RESP_ERR__STATE, "%s", "not assigned"));
  EXPECT_EQ(code, kafka_error(RD_KAFKA_RESP_ERR__STATE));
}

}  // namespace
}  // namespace paynotify
