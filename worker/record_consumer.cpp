#include "worker/record_consumer.hpp"

#include "common/antom/request_time.hpp"
#include "common/kafka/kafka_error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <future>
#include <stdexcept>

#include "common/kafka/kafka_headers.hpp"
#include "common/kafka/kafka_producer.hpp"
#include "common/kafka/record_headers.hpp"
#include "common/service/log.hpp"

namespace paynotify::worker {
namespace {

// The `not-before` header of a message, 0 when it has none.
int64_t not_before_of(const rd_kafka_message_t* m) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, header::kNotBefore.data(), &value, &size) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      value == nullptr) {
    return 0;
  }
  int64_t ms = 0;
  const auto* text = static_cast<const char*>(value);
  const auto [ptr, ec] = std::from_chars(text, text + size, ms);
  return ec == std::errc{} && ptr == text + size ? ms : 0;
}

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<TopicPartition> out;
  for (int i = 0; i < parts->cnt; ++i)
    out.push_back({parts->elems[i].topic, parts->elems[i].partition});
  return out;
}

}  // namespace

std::size_t ConsumedMessage::bytes() const {
  return topic.size() + key.size() + value.size() + headers.bytes();
}

namespace {

// The message's headers, copied into one block.
ConsumedHeaders headers_in(const rd_kafka_message_t* m) {
  return ConsumedHeaders::gathered([m](auto&& visit) { for_each_header(m, visit); });
}

}  // namespace

RecordConsumer::RecordConsumer(ConsumerSettings settings, ConsumerCallbacks callbacks)
    : settings_(std::move(settings)), callbacks_(std::move(callbacks)) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set_kafka_property(conf, "bootstrap.servers", settings_.brokers);
  set_kafka_property(conf, "group.id", settings_.group);
  set_kafka_property(conf, "partition.assignment.strategy", "cooperative-sticky");
  // Offsets are stored by the engine once an outcome is recorded, and committed from there.
  set_kafka_property(conf, "enable.auto.offset.store", "false");
  set_kafka_property(conf, "enable.auto.commit", "true");
  set_kafka_property(conf, "auto.commit.interval.ms", "1000");
  set_kafka_property(conf, "auto.offset.reset", "earliest");
  set_kafka_property(conf, "client.id", "paynotify-worker");
  set_kafka_property(conf, "session.timeout.ms", "10000");
  set_kafka_property(conf, "heartbeat.interval.ms", "1000");
  set_kafka_property(conf, "queued.max.messages.kbytes", std::to_string(settings_.prefetch_kbytes));
  for (const auto& [k, v] : settings_.properties) set_kafka_property(conf, k, v);
  rd_kafka_conf_set_rebalance_cb(conf, &RecordConsumer::on_rebalance);
  rd_kafka_conf_set_log_cb(conf, &log_librdkafka);
  rd_kafka_conf_set_opaque(conf, this);
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create Kafka consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(rk_);
}

RecordConsumer::~RecordConsumer() {
  stop();
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

void RecordConsumer::start(boost::asio::any_io_executor loop) {
  rd_kafka_topic_partition_list_t* topics =
      rd_kafka_topic_partition_list_new(static_cast<int>(settings_.topics.size()));
  for (const auto& t : settings_.topics)
    rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
  const auto err = rd_kafka_subscribe(rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(std::string("subscribe failed: ") + rd_kafka_err2str(err));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0)
    throw std::runtime_error("cannot create the consumer's wake-up pipe");
  wake_write_ = pipe_fds[1];
  queue_ = rd_kafka_queue_get_consumer(rk_);
  rd_kafka_queue_io_event_enable(queue_, wake_write_, "1", 1);
  loop_ = std::move(loop);
  running_.store(true);
  boost::asio::post(loop_, [this, read_end = pipe_fds[0]] {
    wake_.emplace(loop_, read_end);
    ticks_.emplace(loop_);
    serve();
    tick();
  });
}

void RecordConsumer::stop() {
  if (!running_.exchange(false)) return;
  std::promise<void> stopped;
  boost::asio::post(loop_, [this, &stopped] {
    wake_.reset();  // closes the pipe's read end; a wait under way ends
    ticks_.reset();
    stopped.set_value();
  });
  stopped.get_future().wait();
  rd_kafka_queue_io_event_enable(queue_, -1, nullptr, 0);
  ::close(wake_write_);
  flush_offsets();
  commit_stored("stop");
  rd_kafka_consumer_close(rk_);  // leaves the group; runs the revoke callback
  rd_kafka_queue_destroy(queue_);
  queue_ = nullptr;
}

void RecordConsumer::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* self = static_cast<RecordConsumer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    log_event(spdlog::level::info, "partitions_assigned", {{"count", parts->cnt}});
    if (const auto failed = take_kafka_error(rd_kafka_incremental_assign(rk, parts)))
      log_event(spdlog::level::err, "assign_failed", {{"error", failed.message()}});
    // librdkafka keeps a partition paused across its revocation and a later assignment: one
    // held when it was revoked would come back paused, its hold forgotten, for ever. Each
    // starts resumed here, and is paused again below if anything wants it so.
    rd_kafka_resume_partitions(rk, parts);
    for (const auto& tp : to_vector(parts)) {
      self->assigned_.insert(tp);
      self->revoked_meanwhile_.erase(tp);  // this member's again: its records are taken
    }
    self->reconcile_pauses();
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    // Lost: the group went on without this member (a session timeout, a fenced member).
    log_event(spdlog::level::info, "partitions_revoked",
              {{"count", parts->cnt}, {"lost", rd_kafka_assignment_lost(rk) != 0}});
    if (self->callbacks_.on_revoke) self->callbacks_.on_revoke(to_vector(parts));
    for (const auto& tp : to_vector(parts)) self->revoked_meanwhile_.insert(tp);
    // Commit what was stored for these partitions before another member takes them over.
    // (nullptr: the stored offsets of the whole assignment; the revoked list carries none.)
    self->flush_offsets();
    if (!rd_kafka_assignment_lost(rk)) self->commit_stored("revoke");
    self->unassign(parts);
    self->forget(parts);
    std::lock_guard lock(self->lag_mu_);
    for (const auto& tp : to_vector(parts)) self->lag_.erase(tp);
    return;
  }
  log_event(spdlog::level::err, "rebalance_failed", {{"error", rd_kafka_err2str(err)}});
  self->flush_offsets();  // what was stored for them until now is not dropped with them
  self->unassign(parts);
  self->forget(parts);
}

void RecordConsumer::unassign(const rd_kafka_topic_partition_list_t* parts) {
  if (const auto failed = take_kafka_error(rd_kafka_incremental_unassign(rk_, parts)))
    log_event(spdlog::level::err, "unassign_failed", {{"error", failed.message()}});
}

// What was stored, committed synchronously. Nothing stored is no failure.
void RecordConsumer::commit_stored(std::string_view when) {
  const auto err = rd_kafka_commit(rk_, nullptr, 0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    log_event(spdlog::level::warn, "offset_commit_failed",
              {{"when", when}, {"error", kafka_error(err).message()}});
  }
}

// Partitions no longer this member's: nothing held, paused or assigned is remembered for them.
void RecordConsumer::forget(const rd_kafka_topic_partition_list_t* parts) {
  for (const auto& tp : to_vector(parts)) {
    held_.erase(tp);
    paused_.erase(tp);
    assigned_.erase(tp);
  }
  held_count_.store(held_.size());
  std::lock_guard lock(offsets_mu_);
  std::erase_if(offsets_, [&](const StoredOffset& o) { return assigned_.count(o.partition) == 0; });
}

// Each assigned partition is paused exactly while something wants it so: the worker (Redis or
// the parking cannot be trusted, a drain), the engine (its share of records of the partition's
// topic is full: in_flight.hpp), or the partition's retry head, not due yet.
void RecordConsumer::reconcile_pauses() {
  const bool everything = want_paused_.load();
  std::set<std::string> full;
  for (const auto& topic : settings_.topics) {
    // Not once stopping: close() may run the rebalance callback on the stopping thread.
    if (callbacks_.hold && running_.load() && callbacks_.hold(topic)) full.insert(topic);
  }
  if (full != topics_held_) {
    for (const auto& topic : settings_.topics) {
      if (full.count(topic) != topics_held_.count(topic)) {
        log_event(spdlog::level::info,
                  full.count(topic) ? "consumption_paused" : "consumption_resumed",
                  {{"topic", topic}, {"reason", "records in flight"}});
      }
    }
    topics_held_ = std::move(full);
    topics_held_count_.store(topics_held_.size());
  }
  if (everything != is_paused_.load()) {
    log_event(spdlog::level::info, everything ? "consumption_paused" : "consumption_resumed",
              {{"topic", "*"}, {"reason", "the worker's health"}});
    is_paused_.store(everything);
  }
  rd_kafka_topic_partition_list_t* pause = nullptr;
  rd_kafka_topic_partition_list_t* resume = nullptr;
  const auto add = [](rd_kafka_topic_partition_list_t*& list, const TopicPartition& tp) {
    if (list == nullptr) list = rd_kafka_topic_partition_list_new(4);
    rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition);
  };
  for (const auto& tp : assigned_) {
    const bool want = everything || topics_held_.count(tp.topic) > 0 || held_.count(tp) > 0;
    if (want == (paused_.count(tp) > 0)) continue;
    if (want) {
      add(pause, tp);
      paused_.insert(tp);
    } else {
      add(resume, tp);
      paused_.erase(tp);
    }
  }
  if (pause != nullptr) {
    rd_kafka_pause_partitions(rk_, pause);
    rd_kafka_topic_partition_list_destroy(pause);
  }
  if (resume != nullptr) {
    rd_kafka_resume_partitions(rk_, resume);
    rd_kafka_topic_partition_list_destroy(resume);
  }
}

void RecordConsumer::set_partition_paused(const TopicPartition& tp, bool paused) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition);
  if (paused)
    rd_kafka_pause_partitions(rk_, list);
  else
    rd_kafka_resume_partitions(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
}

boost::system::result<void> RecordConsumer::seek(const TopicPartition& tp, int64_t offset) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition)->offset = offset;
  boost::system::error_code failed = take_kafka_error(rd_kafka_seek_partitions(rk_, list, 5000));
  if (!failed) failed = kafka_error(list->elems[0].err);
  rd_kafka_topic_partition_list_destroy(list);
  if (failed) return failed;
  return {};
}

bool RecordConsumer::hold_if_early(const rd_kafka_message_t* m) {
  if (settings_.delayed_topic.empty() || settings_.delayed_topic != rd_kafka_topic_name(m->rkt))
    return false;
  const int64_t due = not_before_of(m);
  if (due <= epoch_now_ms()) return false;
  const TopicPartition tp{settings_.delayed_topic, m->partition};
  if (paused_.insert(tp).second) set_partition_paused(tp, true);
  // Rewind to this record: it is fetched again, and handed over, once it is due. The seek
  // also drops what was prefetched behind it.
  if (const auto sought = seek(tp, m->offset); !sought) {
    // Not rewound: dropping the record here would lose it. Hand it over; the engine waits for
    // its not-before in memory instead.
    log_event(spdlog::level::warn, "retry_seek_failed",
              {{"partition", tp.partition}, {"error", sought.error().message()}});
    reconcile_pauses();  // resumed, unless something else holds it
    return false;
  }
  held_[tp] = due;
  held_count_.store(held_.size());
  log_event(
      spdlog::level::debug, "retry_partition_held",
      {{"partition", tp.partition}, {"offset", m->offset}, {"dueInMs", due - epoch_now_ms()}});
  return true;
}

void RecordConsumer::release_due() {
  if (held_.empty()) return;
  const int64_t now = epoch_now_ms();
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    it = held_.erase(it);
  }
  held_count_.store(held_.size());  // resumed by reconcile_pauses(), next
}

void RecordConsumer::refresh_lag() {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(rk_, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  rd_kafka_position(rk_, parts);
  std::map<TopicPartition, int64_t> lag;
  for (int i = 0; i < parts->cnt; ++i) {
    int64_t low = 0, high = 0;
    const auto& p = parts->elems[i];
    if (rd_kafka_get_watermark_offsets(rk_, p.topic, p.partition, &low, &high) !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
      continue;
    const int64_t position = p.offset >= 0 ? p.offset : low;
    lag[{p.topic, p.partition}] = std::max<int64_t>(0, high - position);
  }
  rd_kafka_topic_partition_list_destroy(parts);
  std::lock_guard lock(lag_mu_);
  lag_ = std::move(lag);
}

std::map<TopicPartition, int64_t> RecordConsumer::lag() const {
  std::lock_guard lock(lag_mu_);
  return lag_;
}

void RecordConsumer::serve() {
  if (!running_.load() || !wake_) return;
  char drained[64];
  while (::read(wake_->native_handle(), drained, sizeof drained) > 0) {
  }
  // The pipe is written only when the queue turns non-empty: take what it holds, in batches
  // that let the rest of the loop run between them, until it is empty. A batch may come back
  // short with more queued (after a seek, outdated records are dropped on the way).
  reconcile_pauses();  // a share the engine filled stops here, before the next batch
  const ssize_t n = consume_batch();
  if (n > 0 || rd_kafka_queue_length(queue_) > 0) {
    boost::asio::post(loop_, [this] { serve(); });
    return;
  }
  wake_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                    [this](boost::system::error_code ec) {
                      if (!ec) serve();
                    });
}

ssize_t RecordConsumer::consume_batch() {
  constexpr std::size_t kBatch = 64;
  rd_kafka_message_t* batch[kBatch];
  revoked_meanwhile_.clear();
  flush_offsets();
  const ssize_t n = rd_kafka_consume_batch_queue(queue_, 0, batch, kBatch);
  for (ssize_t i = 0; i < n; ++i) handle(batch[i]);
  return n;
}

void RecordConsumer::tick() {
  if (!running_.load() || !ticks_) return;
  release_due();
  reconcile_pauses();
  // A consume call at least this often, records or not: librdkafka counts max.poll.interval.ms
  // from the last one, and a quiet or paused consumer is never woken by the pipe.
  consume_batch();
  ticks_->expires_after(std::chrono::milliseconds(100));
  ticks_->async_wait([this](boost::system::error_code ec) {
    if (!ec) tick();
  });
}

void RecordConsumer::probe() {
  refresh_lag();
  const rd_kafka_metadata_t* md = nullptr;
  reachable_.store(rd_kafka_metadata(rk_, 0, nullptr, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  if (md != nullptr) rd_kafka_metadata_destroy(md);
}

// What a batch still holds of a partition revoked during this consume call (its callback ran
// inside it: another member's now), or brought from behind a held retry head (the partition is
// rewound to the head and fetched again once it is due).
bool RecordConsumer::left_behind(const rd_kafka_message_t* m) const {
  if (revoked_meanwhile_.empty() && held_.empty()) return false;  // the usual case: no copy
  const TopicPartition tp{rd_kafka_topic_name(m->rkt), m->partition};
  return revoked_meanwhile_.count(tp) > 0 || held_.count(tp) > 0;
}

void RecordConsumer::handle(rd_kafka_message_t* m) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      log_event(spdlog::level::warn, "consume_error", {{"error", rd_kafka_message_errstr(m)}});
    }
    rd_kafka_message_destroy(m);
    return;
  }
  if (left_behind(m) || hold_if_early(m)) {
    rd_kafka_message_destroy(m);
    return;
  }
  ConsumedMessage msg;
  msg.topic = rd_kafka_topic_name(m->rkt);
  msg.partition = m->partition;
  msg.offset = m->offset;
  if (m->key) msg.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) msg.value.assign(static_cast<const char*>(m->payload), m->len);
  msg.headers = headers_in(m);
  rd_kafka_message_destroy(m);
  callbacks_.on_record(std::move(msg));
}

void RecordConsumer::store_offset(const std::string& topic, int32_t partition,
                                  int64_t next_offset) {
  std::lock_guard lock(offsets_mu_);
  for (auto& o : offsets_) {
    if (o.partition.partition == partition && o.partition.topic == topic) {
      o.next = std::max(o.next, next_offset);
      return;
    }
  }
  offsets_.push_back({{topic, partition}, next_offset});
}

void RecordConsumer::flush_offsets() {
  // Under the lock to the end: a flush from another thread (stop) cannot store an older offset
  // after a newer one. rd_kafka_offsets_store only records them; it does not block.
  std::lock_guard lock(offsets_mu_);
  rd_kafka_topic_partition_list_t* list = nullptr;
  for (auto& o : offsets_) {
    if (o.next < 0) continue;
    if (!list) list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets_.size()));
    rd_kafka_topic_partition_list_add(list, o.partition.topic.c_str(), o.partition.partition)
        ->offset = o.next;
    o.next = -1;
  }
  if (!list) return;
  if (rd_kafka_offsets_store(rk_, list) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      // A partition revoked meanwhile: its next owner starts from what was committed.
      log_event(
          spdlog::level::debug, "offset_store_skipped",
          {{"topic", e.topic}, {"partition", e.partition}, {"error", rd_kafka_err2str(e.err)}});
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
}

}  // namespace paynotify::worker
