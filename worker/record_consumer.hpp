#pragma once
// The worker's Kafka consumer-group member: cooperative-sticky assignment, offsets stored only
// when the engine says an outcome is recorded, committed on revoke and at shutdown.
// Served from the worker's event loop (no poll thread); records are handed over through
// callbacks, on the loop.

#include <librdkafka/rdkafka.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/result.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/kafka/publisher.hpp"
#include "worker/consumed_headers.hpp"

namespace paynotify::worker {

struct ConsumedMessage {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  ConsumedHeaders headers;
  std::string_view header(std::string_view name) const {  // "" when absent; valid with the record
    return headers.get(name);
  }
  std::size_t bytes() const;  // its Kafka bytes: topic, key, value and headers
};

struct TopicPartition {
  std::string topic;
  int32_t partition;
  bool operator<(const TopicPartition& o) const {
    return std::tie(topic, partition) < std::tie(o.topic, o.partition);
  }
};

struct ConsumerSettings {
  std::string brokers;
  std::string group = "paynotify-worker";
  std::vector<std::string> topics;
  std::map<std::string, std::string> properties;
  // Records of this topic carry a `not-before` header (the retry topic). One that is not due
  // yet is not handed over: its partition is paused and rewound to it until then, so waiting
  // costs no memory and no in-flight slot.
  std::string delayed_topic;
  // librdkafka's queue of records fetched ahead (queued.max.messages.kbytes; its default is
  // 64 MiB, more than the records the engine itself may hold).
  std::size_t prefetch_kbytes = 8192;
};

struct ConsumerCallbacks {
  std::function<void(ConsumedMessage)> on_record;
  // Called before revoked partitions are committed and given up (on the loop, or on the thread
  // calling stop()); it must return only when nothing will store offsets for them any more.
  std::function<void(const std::vector<TopicPartition>&)> on_revoke;
  // True while the receiver may take no more records of this topic: its partitions pause
  // before the next batch, and resume once it answers false (asked before every batch and
  // every tenth of a second).
  std::function<bool(const std::string& topic)> hold;
};

class RecordConsumer {
 public:
  RecordConsumer(ConsumerSettings settings, ConsumerCallbacks callbacks);  // throws on bad config
  ~RecordConsumer();
  RecordConsumer(const RecordConsumer&) = delete;
  RecordConsumer& operator=(const RecordConsumer&) = delete;

  // Serves the consumer from `loop`, with no thread of its own: librdkafka wakes the loop
  // through a pipe when records (or a rebalance) arrive; the rebalance callbacks run there too.
  void start(boost::asio::any_io_executor loop);
  // From another thread, the loop still running: stops serving, commits what was stored and
  // leaves the group cleanly.
  void stop();
  // The broker's reachability and the lag, refreshed; blocks up to a second. From a thread
  // other than the loop's, about once a second (the worker's health thread).
  void probe();

  // Thread-safe. next_offset is the offset after the last finished record. Handed to librdkafka
  // before the next consume call (at most a tenth of a second later), the furthest per
  // partition in one call: not one partition list per record.
  void store_offset(const std::string& topic, int32_t partition, int64_t next_offset);
  // Every partition paused, or resumed unless held otherwise. Thread-safe: takes effect on the
  // loop within a tenth of a second.
  void set_paused(bool paused) { want_paused_.store(paused); }
  // Paused wholly, or a topic held by the receiver.
  bool paused() const { return is_paused_.load() || topics_held_count_.load() > 0; }
  bool reachable() const { return reachable_.load(); }

  // Records behind the end of each owned partition (updated every second).
  std::map<TopicPartition, int64_t> lag() const;
  // Partitions of the delayed topic paused until their next record is due.
  std::size_t held_partitions() const { return held_count_.load(); }

 private:
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque);
  void serve();  // on the loop: what the queue holds, then wait for the next wake-up
  void tick();   // on the loop: pause, resume and held partitions, every tenth of a second
  ssize_t consume_batch();  // on the loop: up to 64 of what the queue holds, handed over
  void handle(rd_kafka_message_t* m);
  bool left_behind(const rd_kafka_message_t* m) const;
  void reconcile_pauses();
  void forget(const rd_kafka_topic_partition_list_t* parts);
  void refresh_lag();
  bool hold_if_early(const rd_kafka_message_t* m);
  void release_due();
  void set_partition_paused(const TopicPartition& tp, bool paused);
  void flush_offsets();  // what store_offset() gathered, into librdkafka
  void commit_stored(std::string_view when);
  void unassign(const rd_kafka_topic_partition_list_t* parts);
  // Fetching of the partition restarts at offset (the prefetched records behind it dropped).
  boost::system::result<void> seek(const TopicPartition& tp, int64_t offset);

  ConsumerSettings settings_;
  ConsumerCallbacks callbacks_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;  // the consumer's queue (the main queue forwards to it)
  int wake_write_ = -1;                // librdkafka writes here when the queue gets work
  boost::asio::any_io_executor loop_;
  std::optional<boost::asio::posix::stream_descriptor> wake_;  // the pipe's read end
  std::optional<boost::asio::steady_timer> ticks_;
  std::atomic<bool> running_{false};
  std::atomic<bool> want_paused_{false};
  std::atomic<bool> is_paused_{false};
  std::atomic<bool> reachable_{false};
  // Loop only: what is assigned, what is paused in librdkafka, and why.
  std::set<TopicPartition> assigned_;
  std::set<TopicPartition> paused_;
  std::set<std::string> topics_held_;  // by the receiver: records in flight
  std::atomic<std::size_t> topics_held_count_{0};
  std::map<TopicPartition, int64_t> held_;      // partition -> when its retry head is due
  std::set<TopicPartition> revoked_meanwhile_;  // loop only: revoked in the consume call under way
  std::atomic<std::size_t> held_count_{0};
  struct StoredOffset {
    TopicPartition partition;
    int64_t next = -1;  // none since the last flush
  };
  std::mutex offsets_mu_;
  std::vector<StoredOffset> offsets_;  // one per partition ever stored, while it is assigned
  mutable std::mutex lag_mu_;
  std::map<TopicPartition, int64_t> lag_;
};

}  // namespace paynotify::worker
