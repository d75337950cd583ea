#include "common/kafka/kafka_error.hpp"

#include "common/service/failure.hpp"

namespace paynotify {

const boost::system::error_category& kafka_category() {
  static const EnumErrorCategory<rd_kafka_resp_err_t> category(
      "librdkafka", [](rd_kafka_resp_err_t e) -> std::string_view { return rd_kafka_err2str(e); });
  return category;
}

boost::system::error_code kafka_error(rd_kafka_resp_err_t err) {
  return {static_cast<int>(err), kafka_category()};
}

boost::system::error_code take_kafka_error(rd_kafka_error_t* error) {
  if (error == nullptr) return {};
  const auto code = kafka_error(rd_kafka_error_code(error));
  rd_kafka_error_destroy(error);
  return code;
}

void LastKafkaError::listen_on(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_error_cb(conf, &LastKafkaError::remember);
  rd_kafka_conf_set_opaque(conf, this);
}

void LastKafkaError::remember(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* self = static_cast<LastKafkaError*>(opaque);
  std::lock_guard lock(self->mu_);
  // "1/1 brokers are down" follows the cause; it must not replace it.
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && !self->text_.empty()) return;
  self->text_ = reason;
}

std::string LastKafkaError::after_serving(rd_kafka_t* rk) {
  rd_kafka_poll(rk, 0);
  std::lock_guard lock(mu_);
  return text_;
}

LastKafkaError* LastKafkaError::of(rd_kafka_t* rk) {
  return static_cast<LastKafkaError*>(rd_kafka_opaque(rk));
}

}  // namespace paynotify
