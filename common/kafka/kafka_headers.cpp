#include "common/kafka/kafka_headers.hpp"

#include <stdexcept>

namespace paynotify {

RecordHeaders headers_of(const rd_kafka_message_t* message) {
  RecordHeaders out;
  for_each_header(message, [&](std::string_view name, std::string_view value) {
    out.emplace_back(name, value);
  });
  return out;
}

void set_kafka_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error("Kafka property " + name + ": " + err);
  }
}

}  // namespace paynotify
