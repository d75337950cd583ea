#include "common/kafka/topic_reader.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "common/kafka/kafka_headers.hpp"

namespace paynotify {
namespace {

struct ConsumerCloser {
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
  char err[512];
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (raw == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create Kafka consumer: ") + err);
  }
  return std::unique_ptr<rd_kafka_t, ConsumerCloser>(raw);
}

}  // namespace

void commit_read_position(const std::string& brokers, const std::map<std::string, std::string>& properties,
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
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(next.size()));
  for (const auto& [tp, offset] : next) rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = offset;
  const auto err = rd_kafka_commit(rk.get(), list, 0);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error(std::string("commit failed: ") + rd_kafka_err2str(err));
}

std::vector<ConsumedRecord> read_topic_from_start(const std::string& brokers,
                                                  const std::map<std::string, std::string>& properties,
                                                  const std::string& topic, std::size_t max_records,
                                                  std::chrono::milliseconds timeout, bool from_committed) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set_kafka_property(conf, "bootstrap.servers", brokers);
  set_kafka_property(conf, "group.id", "paynotify-reader");  // required by the API; nothing is committed
  set_kafka_property(conf, "enable.auto.commit", "false");
  set_kafka_property(conf, "enable.auto.offset.store", "false");
  set_kafka_property(conf, "auto.offset.reset", "earliest");
  for (const auto& [k, v] : properties) set_kafka_property(conf, k, v);
  auto rk = make_consumer(conf);

  rd_kafka_topic_t* t = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const auto merr = rd_kafka_metadata(rk.get(), 0, t, &md, static_cast<int>(std::min<int64_t>(timeout.count(), 10000)));
  rd_kafka_topic_destroy(t);
  if (merr != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const std::string why = merr != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(merr)
                            : md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "no such topic";
    if (md != nullptr) rd_kafka_metadata_destroy(md);
    throw std::runtime_error("cannot read topic " + topic + ": " + why);
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), md->topics[0].partitions[i].id)->offset =
        from_committed ? RD_KAFKA_OFFSET_STORED : RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_metadata_destroy(md);
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

}  // namespace paynotify
