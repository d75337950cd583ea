#pragma once
// Topic management through librdkafka's Admin API: create what is missing, report what exists.

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>
#include <vector>

namespace paynotify {

struct TopicSpec {
  std::string name;
  int partitions = 6;
  int replication_factor = 1;
  std::map<std::string, std::string> config;
};

struct TopicReport {
  std::string name;
  bool created = false;  // false: it existed already
  int partitions = -1;   // as the broker reports it after the call
  std::string error;     // empty on success
};

// Whether a topic's partitions are served, not only listed: Metadata lists a partition as soon
// as the controller has created it, before its leader hosts it (KRaft publishes the metadata
// first), and a produce request meanwhile fails. A partition counts as served once its leader
// answers a watermark-offsets request for it.
struct TopicServing {
  int listed = -1;            // partitions Metadata lists; -1: the topic is not known
  int served = 0;             // partitions whose leader answered, up to the first that did not
  std::string first_problem;  // the partition that did not answer, and why
  bool all_served() const { return listed > 0 && served == listed; }
};
TopicServing topic_serving(rd_kafka_t* rk, const std::string& topic, int timeout_ms);

// Idempotent: a topic that exists is left alone and reported. Returns once every partition of
// every topic is served (or timeout_ms passed: the report says which is not). Throws
// std::runtime_error when no broker answers within timeout_ms.
std::vector<TopicReport> ensure_topics(const std::string& brokers,
                                       const std::map<std::string, std::string>& properties,
                                       const std::vector<TopicSpec>& topics, int timeout_ms);

// Grows `topic` to `total` partitions (Kafka never takes partitions away), then waits until
// every partition is served. Throws std::runtime_error saying why it could not.
void add_partitions(const std::string& brokers,
                    const std::map<std::string, std::string>& properties, const std::string& topic,
                    int total, int timeout_ms);

// The pipeline's topics: main, `.retry` and `.dlq` (DESIGN.md), and `.anomalies` (the ledger's
// findings).
std::vector<std::string> pipeline_topic_names(const std::string& main_topic);

}  // namespace paynotify
