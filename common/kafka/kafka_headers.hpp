#pragma once
// Small librdkafka helpers shared by the producer, consumers and admin client.

#include <librdkafka/rdkafka.h>

#include <string>

#include "common/kafka/publisher.hpp"

namespace paynotify {

// Kafka record headers out of a librdkafka message, in their order.
RecordHeaders headers_of(const rd_kafka_message_t* message);

// Sets a client property; on failure destroys `conf` and throws std::runtime_error naming it.
void set_kafka_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

}  // namespace paynotify
