#include "common/kafka/kafka_admin.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "common/kafka/kafka_error.hpp"
#include "common/kafka/kafka_headers.hpp"

namespace paynotify {
namespace {

struct Destroy {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
  void operator()(rd_kafka_NewPartitions_t* p) const { rd_kafka_NewPartitions_destroy(p); }
};

// errors: where the client's connection errors go (must outlive it), or nowhere.
std::unique_ptr<rd_kafka_t, Destroy> admin_client(const std::string& brokers,
                                                  const std::map<std::string, std::string>& props,
                                                  LastKafkaError* errors = nullptr) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set_kafka_property(conf, "bootstrap.servers", brokers);
  set_kafka_property(conf, "allow.auto.create.topics", "false");  // metadata looks must not create
  for (const auto& [k, v] : props) set_kafka_property(conf, k, v);
  if (errors != nullptr) errors->listen_on(conf);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create Kafka admin client: ") + err);
  }
  return std::unique_ptr<rd_kafka_t, Destroy>(rk);
}

// Waits until `topic` lists at least `partitions` partitions and every one is served, or
// `deadline` passes; the last look. (A broker's metadata learns of added partitions a moment
// after CreatePartitions answers: until then the old ones are all "served".)
TopicServing wait_until_served(rd_kafka_t* rk, const std::string& topic, int partitions,
                               std::chrono::steady_clock::time_point deadline) {
  TopicServing serving;
  while (true) {
    serving = topic_serving(rk, topic, 1000);
    const bool done = serving.all_served() && serving.listed >= partitions;
    if (done || std::chrono::steady_clock::now() >= deadline) return serving;
    rd_kafka_poll(rk, 100);
  }
}

std::string not_served(const TopicServing& serving, int timeout_ms) {
  return "not served within " + std::to_string(timeout_ms) + " ms (" + serving.first_problem +
         "): check that partition's leader in the broker logs, or allow more time (--timeout-ms)";
}

}  // namespace

TopicServing topic_serving(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  TopicServing serving;
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const auto err = rd_kafka_metadata(rk, 0, t, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    serving.first_problem = std::string("metadata: ") + rd_kafka_err2str(err);
  } else if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const auto topic_err =
        md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    serving.first_problem = std::string("metadata: ") + rd_kafka_err2str(topic_err);
  } else {
    serving.listed = md->topics[0].partition_cnt;
    for (int i = 0; i < serving.listed; ++i) {
      const int32_t partition = md->topics[0].partitions[i].id;
      int64_t low = 0, high = 0;
      const auto answer =
          rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high, timeout_ms);
      if (answer != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // One is enough to say no; asking the rest could keep a probe busy for a timeout each.
        serving.first_problem =
            "partition " + std::to_string(partition) + ": " + rd_kafka_err2str(answer);
        break;
      }
      ++serving.served;
    }
  }
  if (md != nullptr) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(t);
  return serving;
}

std::vector<std::string> pipeline_topic_names(const std::string& main_topic) {
  return {main_topic, main_topic + ".retry", main_topic + ".dlq", main_topic + ".anomalies"};
}

std::vector<TopicReport> ensure_topics(const std::string& brokers,
                                       const std::map<std::string, std::string>& properties,
                                       const std::vector<TopicSpec>& topics, int timeout_ms) {
  LastKafkaError last_error;
  auto rk = admin_client(brokers, properties, &last_error);
  const rd_kafka_metadata_t* probe = nullptr;
  if (rd_kafka_metadata(rk.get(), 0, nullptr, &probe, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const std::string cause = last_error.after_serving(rk.get());
    throw std::runtime_error("no Kafka broker at " + brokers + " answered within " +
                             std::to_string(timeout_ms) + " ms" +
                             (cause.empty() ? std::string() : ": " + cause));
  }
  rd_kafka_metadata_destroy(probe);

  std::vector<std::unique_ptr<rd_kafka_NewTopic_t, Destroy>> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  char err[512];
  for (const auto& spec : topics) {
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions,
                                                   spec.replication_factor, err, sizeof err);
    if (t == nullptr) throw std::runtime_error("topic " + spec.name + ": " + err);
    owned.emplace_back(t);
    for (const auto& [k, v] : spec.config) {
      if (rd_kafka_NewTopic_set_config(t, k.c_str(), v.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("topic " + spec.name + ": bad config " + k);
      }
    }
    raw.push_back(t);
  }
  std::unique_ptr<rd_kafka_queue_t, Destroy> queue(rd_kafka_queue_new(rk.get()));
  std::unique_ptr<rd_kafka_AdminOptions_t, Destroy> options(
      rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms, err, sizeof err);
  rd_kafka_CreateTopics(rk.get(), raw.data(), raw.size(), options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, Destroy> event(
      rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
  if (!event) throw std::runtime_error("CreateTopics got no answer within the timeout");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(std::string("CreateTopics failed: ") +
                             rd_kafka_event_error_string(event.get()));
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &n);
  std::vector<TopicReport> reports;
  for (size_t i = 0; i < n; ++i) {
    TopicReport r;
    r.name = rd_kafka_topic_result_name(results[i]);
    const auto code = rd_kafka_topic_result_error(results[i]);
    r.created = code == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      r.error = msg ? msg : rd_kafka_err2str(code);
    }
    reports.push_back(std::move(r));
  }
  // Creation is asynchronous on the broker, and a listed partition is not yet a served one:
  // wait until each partition's leader answers for it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (auto& r : reports) {
    if (!r.error.empty()) continue;
    const TopicServing serving = wait_until_served(rk.get(), r.name, 1, deadline);
    r.partitions = serving.listed;
    if (!serving.all_served()) r.error = not_served(serving, timeout_ms);
  }
  return reports;
}

void add_partitions(const std::string& brokers,
                    const std::map<std::string, std::string>& properties, const std::string& topic,
                    int total, int timeout_ms) {
  auto rk = admin_client(brokers, properties);
  char err[512];
  std::unique_ptr<rd_kafka_NewPartitions_t, Destroy> grow(
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total), err, sizeof err));
  if (!grow) throw std::runtime_error("topic " + topic + ": " + err);
  rd_kafka_NewPartitions_t* raw = grow.get();
  std::unique_ptr<rd_kafka_queue_t, Destroy> queue(rd_kafka_queue_new(rk.get()));
  std::unique_ptr<rd_kafka_AdminOptions_t, Destroy> options(
      rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATEPARTITIONS));
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms, err, sizeof err);
  rd_kafka_CreatePartitions(rk.get(), &raw, 1, options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, Destroy> event(
      rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
  if (!event)
    throw std::runtime_error("CreatePartitions for " + topic + " got no answer within the timeout");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("CreatePartitions for " + topic + ": " +
                             rd_kafka_event_error_string(event.get()));
  }
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(event.get()), &n);
  if (n == 1 && rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* msg = rd_kafka_topic_result_error_string(results[0]);
    throw std::runtime_error(
        "CreatePartitions for " + topic + ": " +
        (msg ? msg : rd_kafka_err2str(rd_kafka_topic_result_error(results[0]))));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  if (const TopicServing serving = wait_until_served(rk.get(), topic, total, deadline);
      !serving.all_served() || serving.listed < total) {
    throw std::runtime_error("topic " + topic + " grew to " + std::to_string(total) +
                             " partitions, " + std::to_string(std::max(serving.listed, 0)) +
                             " listed, " + not_served(serving, timeout_ms));
  }
}

}  // namespace paynotify
