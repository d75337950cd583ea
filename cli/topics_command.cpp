#include <iostream>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "common/kafka/kafka_admin.hpp"

namespace paynotify::cli {

int topics_command(const Args& args) {
  if (args.empty() || args.front() != "ensure") {
    std::cerr
        << "Usage: paynotify topics ensure [options]   (see paynotify topics ensure --help)\n";
    return 2;
  }
  Options o(
      "paynotify topics ensure",
      "Creates the main, retry and dead-letter topics when missing (idempotent) and reports "
      "what exists.\nExit 0 when all three exist afterwards.",
      {
          {"kafka-brokers", "127.0.0.1:9092", "Kafka bootstrap servers"},
          {"topic", "antom.notifications",
           "main topic; .retry, .dlq and .anomalies are derived from it"},
          {"partitions", "12", "partitions of each topic (bounds worker parallelism)"},
          {"replication-factor", "3", "replicas of each partition"},
          {"config", "", "topic config k=v, e.g. min.insync.replicas=2 (repeatable)", false, true},
          {"timeout-ms", "30000", "how long to wait for the brokers"},
      });
  if (auto rc = parse_command_line(o, {args.begin() + 1, args.end()})) return *rc;
  std::vector<TopicSpec> specs;
  std::map<std::string, std::string> config;
  for (const auto& kv : o.list("config")) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "paynotify topics ensure: --config must be k=v, got '" << kv << "'\n";
      return 2;
    }
    config[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const int partitions = static_cast<int>(o.integer("partitions", 1, 10000));
  const int replication = static_cast<int>(o.integer("replication-factor", 1, 10));
  for (const auto& name : pipeline_topic_names(o.str("topic"))) {
    specs.push_back({name, partitions, replication, config});
  }
  const auto reports = ensure_topics(o.str("kafka-brokers"), o.kafka_properties(), specs,
                                     static_cast<int>(o.integer("timeout-ms", 1000, 600000)));
  bool ok = true;
  for (const auto& r : reports) {
    if (!r.error.empty()) {
      ok = false;
      std::cout << r.name << ": error: " << r.error << "\n";
    } else {
      std::cout << r.name << ": " << (r.created ? "created" : "exists") << ", " << r.partitions
                << " partitions\n";
    }
  }
  return ok ? 0 : 1;
}

}  // namespace paynotify::cli
