#pragma once
// Topic management through librdkafka's Admin API: create what is missing, report what exists.

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

// Idempotent: a topic that exists is left alone and reported. Throws std::runtime_error when
// no broker answers within timeout_ms.
std::vector<TopicReport> ensure_topics(const std::string& brokers,
                                       const std::map<std::string, std::string>& properties,
                                       const std::vector<TopicSpec>& topics, int timeout_ms);

// The pipeline's topics: main, `.retry` and `.dlq` (DESIGN.md), and `.anomalies` (the ledger's findings).
std::vector<std::string> pipeline_topic_names(const std::string& main_topic);

}  // namespace paynotify
