// Broker faults injected precisely with librdkafka's mock cluster: the ingest answers 503
// for every record that is not durable, and recovers by itself.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "tests/support/ingest_harness.hpp"
#include "tests/support/notifications.hpp"

namespace paynotify::testing {
namespace {

constexpr int16_t kProduceApiKey = 0;  // Kafka protocol ApiKey of ProduceRequest

class MockCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    ASSERT_NE(host_, nullptr) << err;
    cluster_ = rd_kafka_mock_cluster_new(host_, 1);
    ASSERT_NE(cluster_, nullptr);
    rd_kafka_mock_topic_create(cluster_, "mock.notifications", 3, 1);
  }
  void TearDown() override {
    if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
    if (host_) rd_kafka_destroy(host_);
  }
  std::unique_ptr<IngestHarness> ingest(std::chrono::milliseconds ack_timeout = std::chrono::milliseconds(3000)) {
    auto limits = IngestHarness::default_limits();
    limits.ack_timeout = ack_timeout;
    return std::make_unique<IngestHarness>(rd_kafka_mock_cluster_bootstraps(cluster_), "mock.notifications", limits,
                                           std::map<std::string, std::string>{{"log_level", "0"}});
  }
  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

TEST_F(MockCluster, AFailedProduceIs503AndTheNextSucceeds) {
  auto in = ingest();
  ASSERT_EQ(in->send(payment_result_body("pay-m-0")), 200u);
  // A non-retriable error on the next produce request fails that record's delivery.
  rd_kafka_mock_push_request_errors(cluster_, kProduceApiKey, 1, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE);
  EXPECT_EQ(in->send(payment_result_body("pay-m-1")), 503u);
  EXPECT_EQ(in->send(payment_result_body("pay-m-2")), 200u);
  EXPECT_EQ(in->metrics().requests(ingest::Outcome::not_durable).value(), 1u);
}

TEST_F(MockCluster, RetriableErrorsAreRetriedWithinTheAckTimeout) {
  auto in = ingest();
  ASSERT_EQ(in->send(payment_result_body("pay-r-0")), 200u);
  rd_kafka_mock_push_request_errors(cluster_, kProduceApiKey, 2, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  EXPECT_EQ(in->send(payment_result_body("pay-r-1")), 200u);
}

TEST_F(MockCluster, BrokerDownMidFlightIs503UntilItReturns) {
  auto in = ingest(std::chrono::milliseconds(1500));
  ASSERT_EQ(in->send(payment_result_body("pay-d-0")), 200u);
  rd_kafka_mock_broker_set_down(cluster_, 1);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(in->send(payment_result_body("pay-d-1")), 503u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5)) << "answered within the ack timeout";
  rd_kafka_mock_broker_set_up(cluster_, 1);
  unsigned status = 0;
  for (int i = 0; i < 20 && status != 200; ++i) status = in->send(payment_result_body("pay-d-2"));
  EXPECT_EQ(status, 200u);
}

TEST_F(MockCluster, AFatalProducerErrorRecreatesTheProducer) {
  auto in = ingest();
  ASSERT_EQ(in->send(payment_result_body("pay-f-0")), 200u);
  in->producer().raise_fatal_error_for_test("test: fatal error");
  for (int i = 0; i < 50 && in->producer().recreations() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(in->producer().recreations(), 1u);
  EXPECT_EQ(in->send(payment_result_body("pay-f-1")), 200u);
}

}  // namespace
}  // namespace paynotify::testing
