#include "tests/support/mock_kafka_cluster.hpp"

#include <stdexcept>

namespace paynotify::testing {
namespace {

rd_kafka_t* quiet_client(rd_kafka_type_t type, const std::string& bootstraps) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  if (!bootstraps.empty())
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(err);
  return rk;
}

}  // namespace

MockKafkaCluster::MockKafkaCluster(int brokers) {
  host_ = quiet_client(RD_KAFKA_PRODUCER, "");
  cluster_ = rd_kafka_mock_cluster_new(host_, brokers);
  if (cluster_ == nullptr) throw std::runtime_error("cannot create librdkafka's mock cluster");
  try {
    reader_ = quiet_client(RD_KAFKA_CONSUMER, bootstraps());
  } catch (...) {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(host_);
    throw;
  }
}

MockKafkaCluster::~MockKafkaCluster() {
  rd_kafka_destroy(reader_);
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(host_);
}

int64_t MockKafkaCluster::end_offset(const std::string& topic, int32_t partition) const {
  int64_t low = 0, high = -1;
  if (rd_kafka_query_watermark_offsets(reader_, topic.c_str(), partition, &low, &high, 5000) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  return high;
}

void MockKafkaCluster::track_requests() {
  rd_kafka_mock_start_request_tracking(cluster_);
  rd_kafka_mock_clear_requests(cluster_);
}

std::size_t MockKafkaCluster::produce_requests() const {
  std::size_t count = 0, produce = 0;
  rd_kafka_mock_request_t** requests = rd_kafka_mock_get_requests(cluster_, &count);
  for (std::size_t i = 0; i < count; ++i) {
    if (rd_kafka_mock_request_api_key(requests[i]) == kProduceApiKey) ++produce;
  }
  rd_kafka_mock_request_destroy_array(requests, count);
  return produce;
}

}  // namespace paynotify::testing
