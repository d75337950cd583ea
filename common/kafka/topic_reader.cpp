#include "common/kafka/topic_reader.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "common/kafka/kafka_error.hpp"
#include "common/kafka/kafka_headers.hpp"

namespace paynotify {

std::string_view ConsumedRecord::header(std::string_view name) const {
  const auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

namespace {

// Closes the consumer; owns what its error callback writes to, which outlives it.
struct ConsumerCloser {
  std::shared_ptr<LastKafkaError> errors = std::make_shared<LastKafkaError>();
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};

ConsumedRecord to_record(const rd_kafka_message_t* m, const std::string& topic) {
  ConsumedRecord r;
  r.topic = topic;
  if (m->key != nullptr) r.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) r.value.assign(static_cast<const char*>(m->payload), m->len);
  r.partition = m->partition;
  r.offset = m->offset;
  r.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
  for (auto& [name, value] : headers_of(m)) r.headers[name] = std::move(value);
  return r;
}

std::unique_ptr<rd_kafka_t, ConsumerCloser> make_consumer(rd_kafka_conf_t* conf) {
  ConsumerCloser closer;
  closer.errors->listen_on(conf);
  char err[512];
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (raw == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create Kafka consumer: ") + err);
  }
  return std::unique_ptr<rd_kafka_t, ConsumerCloser>(raw, std::move(closer));
}

// A consumer that never joins its group (assign, not subscribe) and never commits: it may
// carry the worker's group.id to read that group's committed offsets.
std::unique_ptr<rd_kafka_t, ConsumerCloser> make_reader(
    const std::string& brokers, const std::map<std::string, std::string>& properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set_kafka_property(conf, "bootstrap.servers", brokers);
  set_kafka_property(conf, "group.id",
                     "paynotify-reader");  // required by the API; nothing is committed
  set_kafka_property(conf, "enable.auto.commit", "false");
  set_kafka_property(conf, "enable.auto.offset.store", "false");
  set_kafka_property(conf, "auto.offset.reset", "earliest");
  for (const auto& [k, v] : properties) set_kafka_property(conf, k, v);
  return make_consumer(conf);
}

int timeout_int(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::clamp<int64_t>(timeout.count(), 1, 10000));
}

std::vector<int32_t> partition_ids(rd_kafka_t* rk, const std::string& topic,
                                   std::chrono::milliseconds timeout) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const auto merr = rd_kafka_metadata(rk, 0, t, &md, timeout_int(timeout));
  rd_kafka_topic_destroy(t);
  if (merr != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 ||
      md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const std::string why = merr != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(merr)
                            : md->topic_cnt == 1               ? rd_kafka_err2str(md->topics[0].err)
                                                               : "no such topic";
    if (md != nullptr) rd_kafka_metadata_destroy(md);
    // A timeout says little; what librdkafka last said of the connection says why.
    std::string cause;
    if (auto* errors = LastKafkaError::of(rk)) cause = errors->after_serving(rk);
    throw std::runtime_error("cannot read topic " + topic + ": " + why +
                             (cause.empty() ? "" : ": " + cause));
  }
  std::vector<int32_t> ids;
  for (int i = 0; i < md->topics[0].partition_cnt; ++i)
    ids.push_back(md->topics[0].partitions[i].id);
  rd_kafka_metadata_destroy(md);
  return ids;
}

using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                      decltype(&rd_kafka_topic_partition_list_destroy)>;

PartitionList committed_list(rd_kafka_t* rk, const std::string& topic,
                             const std::vector<int32_t>& ids, std::chrono::milliseconds timeout) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(ids.size())),
                     &rd_kafka_topic_partition_list_destroy);
  for (const int32_t id : ids) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), id);
  const auto err = rd_kafka_committed(rk, list.get(), timeout_int(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("cannot fetch committed offsets of " + topic + ": " +
                             rd_kafka_err2str(err));
  }
  return list;
}

}  // namespace

void commit_read_position(const std::string& brokers,
                          const std::map<std::string, std::string>& properties,
                          const std::vector<ConsumedRecord>& records) {
  if (records.empty()) return;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set_kafka_property(conf, "bootstrap.servers", brokers);
  set_kafka_property(conf, "enable.auto.commit", "false");
  for (const auto& [k, v] : properties) set_kafka_property(conf, k, v);
  auto rk = make_consumer(conf);
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  for (const auto& r : records) {
    auto& n = next[{r.topic, r.partition}];
    n = std::max(n, r.offset + 1);
  }
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(next.size()));
  for (const auto& [tp, offset] : next)
    rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = offset;
  const auto err = rd_kafka_commit(rk.get(), list, 0);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(std::string("commit failed: ") + rd_kafka_err2str(err));
}

std::vector<ConsumedRecord> read_topic_from_start(
    const std::string& brokers, const std::map<std::string, std::string>& properties,
    const std::string& topic, std::size_t max_records, std::chrono::milliseconds timeout,
    bool from_committed) {
  auto rk = make_reader(brokers, properties);

  const auto ids = partition_ids(rk.get(), topic, timeout);
  rd_kafka_topic_partition_list_t* parts =
      rd_kafka_topic_partition_list_new(static_cast<int>(ids.size()));
  for (const int32_t id : ids) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), id)->offset =
        from_committed ? RD_KAFKA_OFFSET_STORED : RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);

  std::vector<ConsumedRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < max_records && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) out.push_back(to_record(m, topic));
    rd_kafka_message_destroy(m);
  }
  return out;
}

std::map<int32_t, int64_t> committed_offsets(const std::string& brokers,
                                             const std::map<std::string, std::string>& properties,
                                             const std::string& topic,
                                             std::chrono::milliseconds timeout) {
  auto rk = make_reader(brokers, properties);
  const auto list =
      committed_list(rk.get(), topic, partition_ids(rk.get(), topic, timeout), timeout);
  std::map<int32_t, int64_t> out;
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].offset >= 0) out[list->elems[i].partition] = list->elems[i].offset;
  }
  return out;
}

namespace {

// The partition's first offset and its end now (the high watermark).
std::pair<int64_t, int64_t> watermarks(rd_kafka_t* rk, const std::string& topic, int32_t p,
                                       std::chrono::milliseconds timeout) {
  int64_t low = 0, high = 0;
  const auto err =
      rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, timeout_int(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("cannot query the end of " + topic + ": " + rd_kafka_err2str(err));
  return {low, high};
}

// Reads each partition of `ranges` from its start up to (not including) its end, in offset
// order per partition, or until max_records; throws when `deadline` passes first: a partial
// answer would look like a complete one.
std::vector<ConsumedRecord> read_ranges(rd_kafka_t* rk, const std::string& topic,
                                        std::map<int32_t, std::pair<int64_t, int64_t>> ranges,
                                        std::chrono::steady_clock::time_point deadline,
                                        std::size_t max_records, const std::string& what) {
  std::vector<ConsumedRecord> out;
  std::erase_if(ranges, [](const auto& r) { return r.second.first >= r.second.second; });
  if (ranges.empty()) return out;
  PartitionList assign(rd_kafka_topic_partition_list_new(static_cast<int>(ranges.size())),
                       &rd_kafka_topic_partition_list_destroy);
  for (const auto& [p, range] : ranges)
    rd_kafka_topic_partition_list_add(assign.get(), topic.c_str(), p)->offset = range.first;
  rd_kafka_assign(rk, assign.get());
  while (!ranges.empty() && out.size() < max_records) {
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("reading " + what + " took longer than its timeout");
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const auto it = ranges.find(m->partition);
      if (it != ranges.end()) {
        if (m->offset < it->second.second) out.push_back(to_record(m, topic));
        if (m->offset + 1 >= it->second.second) ranges.erase(it);
      }
    }
    rd_kafka_message_destroy(m);
  }
  return out;
}

// The partition a record keyed `key` goes to under the producers' partitioner
// (kafka_producer.cpp): murmur2 of the key, as Java's clients do.
int32_t partition_for_key(std::string_view key, int32_t partition_count) {
  return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partition_count, nullptr,
                                          nullptr);
}

}  // namespace

std::vector<ConsumedRecord> read_topic_past_commit(
    const std::string& brokers, const std::map<std::string, std::string>& properties,
    const std::string& topic, std::chrono::milliseconds timeout) {
  auto rk = make_reader(brokers, properties);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto list =
      committed_list(rk.get(), topic, partition_ids(rk.get(), topic, timeout), timeout);
  std::map<int32_t, std::pair<int64_t, int64_t>> ranges;
  for (int i = 0; i < list->cnt; ++i) {
    const int32_t p = list->elems[i].partition;
    const auto [low, high] = watermarks(rk.get(), topic, p, timeout);
    ranges[p] = {std::max(low, list->elems[i].offset), high};  // no commit: -1001, the start
  }
  return read_ranges(rk.get(), topic, std::move(ranges), deadline, SIZE_MAX,
                     topic + " past its committed offsets");
}

std::vector<ConsumedRecord> read_since(const std::string& brokers,
                                       const std::map<std::string, std::string>& properties,
                                       const std::string& topic,
                                       std::optional<std::string_view> key, int64_t since_ms,
                                       std::size_t max_per_partition,
                                       std::chrono::milliseconds timeout) {
  auto rk = make_reader(brokers, properties);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto partitions = partition_ids(rk.get(), topic, timeout);
  if (key) partitions = {partition_for_key(*key, static_cast<int32_t>(partitions.size()))};
  // Where --since falls in each partition, asked in one request.
  PartitionList when(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())),
                     &rd_kafka_topic_partition_list_destroy);
  for (const int32_t p : partitions)
    rd_kafka_topic_partition_list_add(when.get(), topic.c_str(), p)->offset = since_ms;
  const auto err = rd_kafka_offsets_for_times(rk.get(), when.get(), timeout_int(timeout));
  std::map<int32_t, std::pair<int64_t, int64_t>> ranges;
  for (int i = 0; i < when->cnt; ++i) {
    const auto& e = when->elems[i];
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR || e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("cannot find the offset of a time in " + topic + ": " +
                               rd_kafka_err2str(err != RD_KAFKA_RESP_ERR_NO_ERROR ? err : e.err));
    }
    const auto [low, high] = watermarks(rk.get(), topic, e.partition, timeout);
    // -1: nothing written at or after that time.
    ranges[e.partition] = {e.offset < 0 ? high : std::max(low, e.offset), high};
  }
  return read_ranges(rk.get(), topic, std::move(ranges), deadline,
                     max_per_partition * partitions.size(), topic + " since a time");
}

}  // namespace paynotify
