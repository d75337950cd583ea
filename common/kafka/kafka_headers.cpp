#include "common/kafka/kafka_headers.hpp"

#include <mutex>
#include <stdexcept>

#include "common/service/log.hpp"

namespace paynotify {

bool scram_refused_by_kafka4(int librdkafka_version, std::string_view mechanism) {
  return mechanism.rfind("SCRAM", 0) == 0 && librdkafka_version < 0x020601ff;
}

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

void set_kafka_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error("Kafka property " + name + ": " + err);
  }
  if ((name == "sasl.mechanism" || name == "sasl.mechanisms") && scram_refused_by_kafka4(rd_kafka_version(), value)) {
    static std::once_flag said;
    std::call_once(said, [&] {
      log_event(spdlog::level::warn, "kafka_scram_unsupported_on_kafka4",
                {{"librdkafka", rd_kafka_version_str()}, {"mechanism", value},
                 {"detail", "librdkafka before 2.6.1 cannot log in with SCRAM to Kafka 4 brokers (they answer "
                            "'invalid credentials'); against Kafka 4 use SASL PLAIN over TLS or a newer librdkafka"}});
    });
  }
}

}  // namespace paynotify
