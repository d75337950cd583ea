#include "tests/support/ingest_harness.hpp"

#include "tests/support/raw_http.hpp"

namespace paynotify::testing {

ingest::ServerLimits IngestHarness::default_limits() {
  ingest::ServerLimits l;
  l.host = "127.0.0.1";
  l.port = 0;
  l.threads = 2;
  l.max_body_bytes = 16 * 1024;
  l.header_timeout = std::chrono::milliseconds(1000);
  l.body_timeout = std::chrono::milliseconds(1000);
  l.ack_timeout = std::chrono::milliseconds(5000);
  return l;
}

IngestHarness::IngestHarness(std::string brokers, std::string topic, ingest::ServerLimits limits,
                             std::map<std::string, std::string> kafka_properties)
    : metrics_(std::make_unique<ingest::IngestMetrics>(registry_)) {
  keys_.add(kClientId, "1", test_key(0).pair.public_pem);
  producer_ = std::make_unique<KafkaProducer>(
      KafkaProducerConfig{.brokers = std::move(brokers),
                          .properties = std::move(kafka_properties),
                          .message_timeout_ms = static_cast<int>(limits.ack_timeout.count()),
                          .linger_ms = 1,
                          .served_topic = topic});
  intake_ = std::make_unique<ingest::NotificationIntake>(
      ingest::IntakeSettings{kNotifyPath, "", std::move(topic), 0}, keys_);
  server_ = std::make_unique<ingest::IngestServer>(limits, *intake_, *producer_, *metrics_);
  server_->start();
}

IngestHarness::~IngestHarness() {
  server_->drain_and_stop(std::chrono::milliseconds(2000));
  producer_->flush_and_stop(2000);
  server_.reset();
}

std::string IngestHarness::url() const {
  return "http://127.0.0.1:" + std::to_string(port()) + kNotifyPath;
}

unsigned IngestHarness::send(const std::string& body, int key_index,
                             const std::string& key_version) {
  return send_signed(body, key_index, key_version, iso8601_now());
}

unsigned IngestHarness::send_signed_at(const std::string& body, const std::string& request_time) {
  return send_signed(body, 0, "1", request_time);
}

unsigned IngestHarness::send_signed(const std::string& body, int key_index,
                                    const std::string& key_version,
                                    const std::string& request_time) {
  const auto h = sign_notification(test_key(key_index).private_key.get(), kNotifyPath, kClientId,
                                   request_time, body, key_version);
  std::string headers;
  for (const auto& [name, value] : h.as_list()) headers += name + ": " + value + "\r\n";
  return raw_exchange(port(), post_request(kNotifyPath, headers, body), std::chrono::seconds(15))
      .status;
}

}  // namespace paynotify::testing
