#pragma once
// An in-process paynotify-ingest on 127.0.0.1:0 with a real KafkaProducer, for integration tests.

#include <memory>
#include <string>

#include "common/antom/notification_signer.hpp"
#include "common/kafka/kafka_producer.hpp"
#include "ingest/http_server.hpp"
#include "ingest/ingest_metrics.hpp"
#include "tests/support/test_keys.hpp"

namespace paynotify::testing {

inline constexpr const char* kClientId = "SANDBOX_TEST";
inline constexpr const char* kNotifyPath = "/notifications/antom";

class IngestHarness {
 public:
  // Keys: test_key(0) as client kClientId, key version 1.
  IngestHarness(std::string brokers, std::string topic,
                ingest::ServerLimits limits = default_limits(),
                std::map<std::string, std::string> kafka_properties = {});
  ~IngestHarness();

  static ingest::ServerLimits default_limits();

  uint16_t port() const { return server_->port(); }
  KafkaProducer& producer() { return *producer_; }
  MetricsRegistry& registry() { return registry_; }
  ingest::IngestMetrics& metrics() { return *metrics_; }
  ingest::IngestServer& server() { return *server_; }

  // Signs `body` with key `key_index` and POSTs it over a fresh connection; returns the status.
  unsigned send(const std::string& body, int key_index = 0, const std::string& key_version = "1");
  // Signed with this request-time instead of now (a replay of an old notification).
  unsigned send_signed_at(const std::string& body, const std::string& request_time);
  std::string url() const;

 private:
  unsigned send_signed(const std::string& body, int key_index, const std::string& key_version,
                       const std::string& request_time);

  MetricsRegistry registry_;
  std::unique_ptr<ingest::IngestMetrics> metrics_;
  KeyRegistry keys_;
  std::unique_ptr<KafkaProducer> producer_;
  std::unique_ptr<ingest::NotificationIntake> intake_;
  std::unique_ptr<ingest::IngestServer> server_;
};

}  // namespace paynotify::testing
