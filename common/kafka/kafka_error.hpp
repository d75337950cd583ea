#pragma once
// librdkafka's error codes (rd_kafka_resp_err_t) as boost::system error codes, so a Kafka call
// answers in the same shape as every other seam (boost::system::result); the message is
// librdkafka's own.

#include <librdkafka/rdkafka.h>

#include <boost/system/error_code.hpp>

#include <mutex>
#include <string>

namespace paynotify {

const boost::system::error_category& kafka_category();
boost::system::error_code kafka_error(rd_kafka_resp_err_t err);
// The code of an rd_kafka_error_t (nullptr: none), which it frees.
boost::system::error_code take_kafka_error(rd_kafka_error_t* error);

// What librdkafka last reported as wrong with a client's connection (authentication failed,
// TLS verification failed, connection refused): said with a timeout, it names the real cause.
class LastKafkaError {
 public:
  // Sets this as the error callback's target (the conf's opaque): it must outlive the client.
  void listen_on(rd_kafka_conf_t* conf);
  // Serves the client's pending error events first (librdkafka reports them through poll).
  std::string after_serving(rd_kafka_t* rk);
  // The one a client was made with, or nullptr.
  static LastKafkaError* of(rd_kafka_t* rk);

 private:
  static void remember(rd_kafka_t*, int err, const char* reason, void* opaque);
  std::mutex mu_;
  std::string text_;
};

}  // namespace paynotify
