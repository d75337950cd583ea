#include "common/kafka_headers.hpp"

namespace paynotify {

RecordHeaders headers_of(const rd_kafka_message_t* message) {
  RecordHeaders out;
  rd_kafka_headers_t* headers = nullptr;
  // rd_kafka_message_headers takes a non-const message but only reads it.
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(message), &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return out;
  }
  const char* name;
  const void* value;
  size_t size;
  for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    out.emplace_back(name, value != nullptr ? std::string(static_cast<const char*>(value), size) : std::string());
  }
  return out;
}

}  // namespace paynotify
