#include "tests/support/kafka_topic.hpp"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "common/ids.hpp"
#include "common/kafka_admin.hpp"

namespace paynotify::testing {

std::string kafka_brokers() {
  const char* b = std::getenv("PAYNOTIFY_KAFKA_BROKERS");
  if (b == nullptr || *b == '\0') {
    throw std::runtime_error("PAYNOTIFY_KAFKA_BROKERS is not set: run the tests through tests/run.sh");
  }
  return b;
}

std::string fresh_topic(const std::string& prefix, int partitions) {
  const std::string name = "test." + prefix + "." + random_hex(6);
  const auto reports = ensure_topics(kafka_brokers(), {}, {{name, partitions, 1, {}}}, 15000);
  if (reports.size() != 1 || !reports[0].error.empty()) {
    throw std::runtime_error("cannot create topic " + name + ": " + (reports.empty() ? "no report" : reports[0].error));
  }
  return name;
}

std::vector<ConsumedRecord> read_topic(const std::string& topic, std::size_t expected,
                                       std::chrono::milliseconds timeout) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", kafka_brokers().c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", ("paynotify-test-reader-" + random_hex(4)).c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "false", err, sizeof err);
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err),
                                                         [](rd_kafka_t* h) {
                                                           rd_kafka_consumer_close(h);
                                                           rd_kafka_destroy(h);
                                                         });
  if (!rk) throw std::runtime_error(err);

  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
  const auto merr = rd_kafka_metadata(rk.get(), 0, t, &md, 10000);
  rd_kafka_topic_destroy(t);
  if (merr != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error("no metadata for " + topic);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(8);
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), md->topics[0].partitions[i].id)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_metadata_destroy(md);
  rd_kafka_assign(rk.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);

  std::vector<ConsumedRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ConsumedRecord r;
      r.key.assign(static_cast<const char*>(m->key), m->key_len);
      r.value.assign(static_cast<const char*>(m->payload), m->len);
      r.partition = m->partition;
      r.offset = m->offset;
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
          r.headers[name] = std::string(static_cast<const char*>(value), size);
        }
      }
      out.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  return out;
}

}  // namespace paynotify::testing
