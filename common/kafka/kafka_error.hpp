#pragma once
// librdkafka's error codes (rd_kafka_resp_err_t) as boost::system error codes, so a Kafka call
// answers in the same shape as every other seam (boost::system::result); the message is
// librdkafka's own.

#include <librdkafka/rdkafka.h>

#include <boost/system/error_code.hpp>

namespace paynotify {

const boost::system::error_category& kafka_category();
boost::system::error_code kafka_error(rd_kafka_resp_err_t err);
// The code of an rd_kafka_error_t (nullptr: none), which it frees.
boost::system::error_code take_kafka_error(rd_kafka_error_t* error);

}  // namespace paynotify
