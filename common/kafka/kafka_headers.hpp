#pragma once
// Small librdkafka helpers shared by the producer, consumers and admin client.

#include <librdkafka/rdkafka.h>

#include <string>
#include <string_view>

#include "common/kafka/publisher.hpp"

namespace paynotify {

// Kafka record headers out of a librdkafka message, in their order.
RecordHeaders headers_of(const rd_kafka_message_t* message);

// librdkafka before 2.6.1 put the client nonce twice into SCRAM's final message; Kafka 4
// brokers check it strictly and refuse every SCRAM login as "invalid credentials" while the
// password is right (librdkafka PR 4895). Debian 12 ships 2.0.2.
bool scram_refused_by_kafka4(int librdkafka_version, std::string_view mechanism);

// Sets a client property; on failure destroys `conf` and throws std::runtime_error naming it.
// A SCRAM mechanism with a librdkafka that Kafka 4 refuses is logged once, at warning.
void set_kafka_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

}  // namespace paynotify
