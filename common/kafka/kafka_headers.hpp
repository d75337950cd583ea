#pragma once
// Small librdkafka helpers shared by the producer, consumers and admin client.

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "common/kafka/publisher.hpp"

namespace paynotify {

// Calls visit(name, value) for each header of the message, in their order (views into the
// message: valid while it is).
template <typename Visit>
void for_each_header(const rd_kafka_message_t* message, Visit&& visit) {
  rd_kafka_headers_t* headers = nullptr;
  // rd_kafka_message_headers takes a non-const message but only reads it.
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(message), &headers) !=
      RD_KAFKA_RESP_ERR_NO_ERROR)
    return;
  const char* name;
  const void* value;
  std::size_t size;
  for (std::size_t i = 0;
       rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    visit(std::string_view(name), value != nullptr
                                      ? std::string_view(static_cast<const char*>(value), size)
                                      : std::string_view());
  }
}

// Kafka record headers out of a librdkafka message, in their order.
RecordHeaders headers_of(const rd_kafka_message_t* message);

// Sets a client property; on failure destroys `conf` and throws std::runtime_error naming it.
void set_kafka_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

}  // namespace paynotify
