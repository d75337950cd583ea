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

}  // namespace paynotify
