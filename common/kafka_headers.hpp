#pragma once
// Kafka record headers out of a librdkafka message, in their order.

#include <librdkafka/rdkafka.h>

#include "common/publisher.hpp"

namespace paynotify {

RecordHeaders headers_of(const rd_kafka_message_t* message);

}  // namespace paynotify
