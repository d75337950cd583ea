#pragma once
// Idempotent librdkafka producer (acks=all) with delivery reports on its own thread, a
// reachability probe for /readyz, and recovery from fatal producer errors by re-creation.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/kafka/publisher.hpp"
#include "common/service/log.hpp"
#include "common/service/metrics.hpp"

namespace paynotify {

// librdkafka's own log lines, as JSON log events (install with rd_kafka_conf_set_log_cb).
void log_librdkafka(const rd_kafka_t* rk, int level, const char* facility, const char* message);

struct KafkaProducerConfig {
  std::string brokers{};
  std::map<std::string, std::string> properties{};  // passed through; win over the defaults
  int message_timeout_ms = 5000;                    // give up on a record after this long
  int queue_max_messages = 100000;                  // full queue: publish fails at once
  int linger_ms = 2;
  // Produce requests in flight per broker connection. More than 1 lets librdkafka acknowledge
  // a failed request "implicitly" when a later one succeeds; such a report carries no offset
  // and counts as not durable (delivery_proof.hpp), so the cost is a re-send, not a loss.
  int max_in_flight = 5;
  std::string client_id = "paynotify-ingest";
  // When set, the probe also checks that every partition of this topic is served by its
  // leader (topic_served(), the ingest's /readyz): a partition only listed refuses records.
  std::string served_topic{};
};

class KafkaProducer final : public Publisher {
 public:
  // Throws std::runtime_error naming the property librdkafka rejected.
  explicit KafkaProducer(KafkaProducerConfig config);
  ~KafkaProducer() override;
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  void publish(OutgoingRecord record, DeliveryCallback on_delivery) override;
  void publish_view(const RecordView& record, DeliveryCallback on_delivery) override;

  bool reachable() const { return reachable_.load(std::memory_order_relaxed); }
  bool topic_served() const { return topic_served_.load(std::memory_order_relaxed); }
  int64_t queue_depth() const;
  uint64_t recreations() const { return recreations_.load(std::memory_order_relaxed); }
  // Reports of success without an offset (not durable), per topic: `topic="..."` samples.
  MetricsRegistry::Samples unconfirmed_deliveries() const;

  // librdkafka's documented test hook: raises a fatal error as a broker fault would.
  void raise_fatal_error_for_test(const char* reason);

  // Waits up to timeout_ms for every queued record's delivery report; returns the number
  // still outstanding. Then stops the threads (idempotent).
  int flush_and_stop(int timeout_ms);

 private:
  using Handle = std::shared_ptr<rd_kafka_t>;
  Handle make_handle();
  Handle current() const;
  // Queues one record, its headers any range of (name, value) pairs; librdkafka copies them.
  template <typename Headers>
  void produce(std::string_view topic, std::string_view key, std::string_view value,
               const Headers& headers, DeliveryCallback on_delivery);
  void poll_loop();
  void probe_loop();

  static void on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque);
  void count_unconfirmed(const rd_kafka_message_t* msg);
  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque);

  KafkaProducerConfig config_;
  mutable std::mutex handle_mu_;
  Handle handle_;
  std::atomic<bool> running_{true};
  std::atomic<bool> fatal_{false};
  std::atomic<bool> reachable_{false};
  std::atomic<bool> topic_served_{false};
  std::atomic<uint64_t> recreations_{0};
  mutable std::mutex unconfirmed_mu_;
  std::map<std::string, uint64_t> unconfirmed_;  // by topic; rare, so a lock is cheap enough
  LogRateLimit unconfirmed_log_{1.0, 5.0};
  std::thread poller_;
  std::thread prober_;
};

}  // namespace paynotify
