#include "common/kafka/kafka_headers.hpp"

#include <stdexcept>

namespace paynotify {

RecordHeaders headers_of(const rd_kafka_message_t* message) {
  RecordHeaders out;
  rd_kafka_headers_t* headers = nullptr;
  // rd_kafka_message_headers takes a non-const message but only reads it.
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(message), &headers) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return out;
  }
  const char* name;
  const void* value;
  size_t size;
  for (size_t i = 0;
       rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    out.emplace_back(name, value != nullptr ? std::string(static_cast<const char*>(value), size)
                                            : std::string());
  }
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
