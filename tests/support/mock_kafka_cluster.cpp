#include "tests/support/mock_kafka_cluster.hpp"

#include <stdexcept>

namespace paynotify::testing {
namespace {

rd_kafka_t* quiet_client(rd_kafka_type_t type, const std::string& bootstraps) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  if (!bootstraps.empty()) rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(err);
  return rk;
}

}  // namespace

MockKafkaCluster::MockKafkaCluster(int brokers) {
  host_ = quiet_client(RD_KAFKA_PRODUCER, "");
  cluster_ = rd_kafka_mock_cluster_new(host_, brokers);
  if (cluster_ == nullptr) throw std::runtime_error("cannot create librdkafka's mock cluster");
  reader_ = quiet_client(RD_KAFKA_CONSUMER, bootstraps());
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

}  // namespace paynotify::testing
