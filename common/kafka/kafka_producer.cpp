#include "common/kafka/kafka_producer.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "common/kafka/delivery_proof.hpp"
#include "common/kafka/kafka_admin.hpp"
#include "common/kafka/kafka_headers.hpp"
#include "common/service/log.hpp"

namespace paynotify {
namespace {

// Fails every record still queued in a retired handle, serves their reports, then destroys it.
void retire_handle(rd_kafka_t* rk) {
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  for (int i = 0; i < 100 && rd_kafka_outq_len(rk) > 0; ++i) rd_kafka_poll(rk, 10);
  rd_kafka_destroy(rk);
}

}  // namespace

void log_librdkafka(const rd_kafka_t*, int level, const char* facility, const char* message) {
  // syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug.
  const auto mapped = level <= 3   ? spdlog::level::err
                      : level == 4 ? spdlog::level::warn
                      : level <= 6 ? spdlog::level::info
                                   : spdlog::level::debug;
  log_event(mapped, "librdkafka", {{"facility", facility}, {"message", message}});
}

KafkaProducer::KafkaProducer(KafkaProducerConfig config) : config_(std::move(config)) {
  handle_ = make_handle();
  poller_ = std::thread([this] { poll_loop(); });
  prober_ = std::thread([this] { probe_loop(); });
}

KafkaProducer::~KafkaProducer() { flush_and_stop(0); }

KafkaProducer::Handle KafkaProducer::make_handle() {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set_kafka_property(conf, "bootstrap.servers", config_.brokers);
  // Promise 1: a record counts only when every in-sync replica has it, written once.
  set_kafka_property(conf, "enable.idempotence", "true");
  set_kafka_property(conf, "acks", "all");
  set_kafka_property(conf, "linger.ms", std::to_string(config_.linger_ms));
  set_kafka_property(conf, "max.in.flight.requests.per.connection",
                     std::to_string(config_.max_in_flight));
  set_kafka_property(conf, "message.timeout.ms", std::to_string(config_.message_timeout_ms));
  set_kafka_property(conf, "queue.buffering.max.messages",
                     std::to_string(config_.queue_max_messages));
  // Same partition for a key as Java clients choose, should anything else write the topic.
  set_kafka_property(conf, "partitioner", "murmur2_random");
  set_kafka_property(conf, "socket.keepalive.enable", "true");
  // Topics are made by `paynotify topics ensure` with the partitions and replicas they need; a
  // topic the broker auto-creates (a mistyped --topic, a start before the chart's hook) gets the
  // broker's defaults instead, and the readiness probe's metadata requests would create it.
  set_kafka_property(conf, "allow.auto.create.topics", "false");
  set_kafka_property(conf, "client.id", config_.client_id);
  for (const auto& [name, value] : config_.properties) set_kafka_property(conf, name, value);
  rd_kafka_conf_set_dr_msg_cb(conf, &KafkaProducer::on_delivery_report);
  rd_kafka_conf_set_error_cb(conf, &KafkaProducer::on_error);
  rd_kafka_conf_set_log_cb(conf, &log_librdkafka);
  rd_kafka_conf_set_opaque(conf, this);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create Kafka producer: ") + err);
  }
  return Handle(rk, retire_handle);
}

KafkaProducer::Handle KafkaProducer::current() const {
  std::lock_guard lock(handle_mu_);
  return handle_;
}

void KafkaProducer::publish(OutgoingRecord record, DeliveryCallback on_delivery) {
  produce(record.topic, record.key, record.value, record.headers, std::move(on_delivery));
}

void KafkaProducer::publish_view(const RecordView& record, DeliveryCallback on_delivery) {
  produce(record.topic, record.key, record.value, record.headers, std::move(on_delivery));
}

template <typename Headers>
void KafkaProducer::produce(std::string_view topic, std::string_view key, std::string_view value,
                            const Headers& headers, DeliveryCallback on_delivery) {
  const Handle rk = current();
  if (!running_.load() || !rk) {
    on_delivery(failure(DeliveryError::not_queued, "the producer is stopping"));
    return;
  }
  // librdkafka takes the topic's name as a C string: a copy on the stack (Kafka's limit is 249).
  std::array<char, 250> topic_name;  // NOLINT: filled below, up to its terminating zero
  if (topic.size() >= topic_name.size()) {
    on_delivery(failure(DeliveryError::not_queued,
                        "topic name longer than Kafka's 249 characters: check --topic"));
    return;
  }
  *std::copy(topic.begin(), topic.end(), topic_name.begin()) = '\0';
  rd_kafka_headers_t* kafka_headers = rd_kafka_headers_new(std::size(headers));
  for (const auto& [name, header_value] : headers) {
    rd_kafka_header_add(kafka_headers, name.data(), static_cast<ssize_t>(name.size()),
                        header_value.data(), static_cast<ssize_t>(header_value.size()));
  }
  void* const callback = on_delivery.release();  // back in on_delivery_report, or below
  // librdkafka's RD_KAFKA_V_* macros expand to C casts. MSG_F_COPY: the key and value are
  // copied before producev returns (the value's pointer is only typed mutable), as are the
  // headers by rd_kafka_header_add. A null value would be a tombstone, not an empty value.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      rk.get(), RD_KAFKA_V_TOPIC(topic_name.data()), RD_KAFKA_V_KEY(key.data(), key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data() ? value.data() : ""), value.size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(kafka_headers),
      RD_KAFKA_V_OPAQUE(callback), RD_KAFKA_V_END);
#pragma GCC diagnostic pop
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_headers_destroy(kafka_headers);  // not taken over on failure
    DeliveryCallback::adopt(callback)(failure(DeliveryError::not_queued, rd_kafka_err2str(err)));
  }
}

void KafkaProducer::on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  const DeliveryCallback callback = DeliveryCallback::adopt(msg->_private);
  const DeliveryResult result =
      delivery_proof(msg->err, rd_kafka_message_status(msg), msg->partition, msg->offset);
  if (!result && result.error().code == DeliveryError::unconfirmed)
    static_cast<KafkaProducer*>(opaque)->count_unconfirmed(msg);
  callback(result);
}

void KafkaProducer::count_unconfirmed(const rd_kafka_message_t* msg) {
  const std::string topic = rd_kafka_topic_name(msg->rkt);
  {
    std::lock_guard lock(unconfirmed_mu_);
    ++unconfirmed_[topic];
  }
  if (const auto admitted = unconfirmed_log_.admit(std::chrono::steady_clock::now());
      admitted.log) {
    log_event(spdlog::level::warn, "kafka_delivery_unconfirmed",
              {{"topic", topic},
               {"partition", msg->partition},
               {"offset", msg->offset},
               {"detail",
                "success reported without an offset: not proof of a write; the sender tries again"},
               {"notLogged", admitted.dropped_before}});
  }
}

MetricsRegistry::Samples KafkaProducer::unconfirmed_deliveries() const {
  MetricsRegistry::Samples samples;
  std::lock_guard lock(unconfirmed_mu_);
  for (const auto& [topic, count] : unconfirmed_) {
    samples.emplace_back(Labels{{"topic", topic}}, static_cast<double>(count));
  }
  return samples;
}

void KafkaProducer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char detail[512];
    rd_kafka_fatal_error(rk, detail, sizeof detail);
    log_event(spdlog::level::err, "kafka_producer_fatal", {{"error", detail}});
    self->fatal_.store(true);
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) self->reachable_.store(false);
  log_event(
      spdlog::level::warn, "kafka_error",
      {{"code", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))}, {"reason", reason}});
}

void KafkaProducer::poll_loop() {
  while (running_.load()) {
    if (fatal_.exchange(false)) {
      // librdkafka's idempotent producer cannot continue after a fatal error; a new instance
      // starts a new producer id. Records queued in the old one fail and their senders get 503.
      try {
        Handle fresh = make_handle();
        Handle old;
        {
          std::lock_guard lock(handle_mu_);
          old = std::exchange(handle_, std::move(fresh));
        }
        recreations_.fetch_add(1);
        log_event(spdlog::level::warn, "kafka_producer_recreated");
      } catch (const std::exception& e) {
        log_event(spdlog::level::err, "kafka_producer_recreate_failed", {{"error", e.what()}});
        fatal_.store(true);
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }
    if (const Handle rk = current()) rd_kafka_poll(rk.get(), 50);
  }
}

void KafkaProducer::probe_loop() {
  constexpr int kUnservedLooksBeforeNotReady = 3;
  int unserved_looks = kUnservedLooksBeforeNotReady;  // not ready until a first look says so
  std::optional<bool> last_served;
  while (running_.load()) {
    if (const Handle rk = current()) {
      const rd_kafka_metadata_t* md = nullptr;
      const auto err = rd_kafka_metadata(rk.get(), 0, nullptr, &md, 2000);
      bool up = err == RD_KAFKA_RESP_ERR_NO_ERROR && md != nullptr && md->broker_cnt > 0;
      if (md != nullptr) rd_kafka_metadata_destroy(md);
      reachable_.store(up);
      if (!config_.served_topic.empty()) {
        const TopicServing serving = topic_serving(rk.get(), config_.served_topic, 2000);
        // Not ready only after three looks in a row: a leader election takes a moment, and every
        // ingest pod sees it at once (all unready would refuse every payment, not one partition's).
        unserved_looks = up && serving.all_served() ? 0 : unserved_looks + 1;
        const bool served = unserved_looks < kUnservedLooksBeforeNotReady;
        topic_served_.store(served);
        if (served != last_served) {  // a change, or the first look
          last_served = served;
          log_event(served ? spdlog::level::info : spdlog::level::warn,
                    served ? "kafka_topic_served" : "kafka_topic_not_served",
                    {{"topic", config_.served_topic},
                     {"partitions", serving.listed},
                     {"served", serving.served},
                     {"problem", serving.first_problem}});
        }
      }
    }
    for (int i = 0; i < 10 && running_.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

void KafkaProducer::raise_fatal_error_for_test(const char* reason) {
  if (const Handle rk = current())
    rd_kafka_test_fatal_error(rk.get(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, reason);
}

int64_t KafkaProducer::queue_depth() const {
  const Handle rk = current();
  return rk ? rd_kafka_outq_len(rk.get()) : 0;
}

int KafkaProducer::flush_and_stop(int timeout_ms) {
  int outstanding = 0;
  if (const Handle rk = current(); rk && running_.load()) {
    rd_kafka_flush(rk.get(), timeout_ms);
    outstanding = rd_kafka_outq_len(rk.get());
  }
  running_.store(false);
  if (poller_.joinable()) poller_.join();
  if (prober_.joinable()) prober_.join();
  {
    std::lock_guard lock(handle_mu_);
    handle_.reset();
  }
  return outstanding;
}

}  // namespace paynotify
