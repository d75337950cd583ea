#pragma once
// librdkafka's mock cluster (rdkafka_mock.h), for broker faults the real broker cannot produce
// on demand: injected errors, a slow broker, a broker down.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace paynotify::testing {

inline constexpr int16_t kProduceApiKey = 0;  // Kafka protocol ApiKey of ProduceRequest

class MockKafkaCluster {
 public:
  explicit MockKafkaCluster(int brokers = 1);
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  rd_kafka_mock_cluster_t* get() const { return cluster_; }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  // The partition's end offset as the mock broker holds it: how many records it stored.
  int64_t end_offset(const std::string& topic, int32_t partition) const;
  // Produce requests the brokers received since track_requests() (which clears the count).
  void track_requests();
  std::size_t produce_requests() const;

 private:
  rd_kafka_t* host_ = nullptr;  // the mock cluster lives in a client instance of its own
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  rd_kafka_t* reader_ = nullptr;
};

}  // namespace paynotify::testing
