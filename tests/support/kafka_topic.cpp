#include "tests/support/kafka_topic.hpp"

#include <cstdlib>
#include <stdexcept>

#include "common/kafka/kafka_admin.hpp"
#include "common/service/ids.hpp"

namespace paynotify::testing {

std::string kafka_brokers() {
  const char* b = std::getenv("PAYNOTIFY_KAFKA_BROKERS");
  if (b == nullptr || *b == '\0') {
    throw std::runtime_error(
        "PAYNOTIFY_KAFKA_BROKERS is not set: run the tests through tests/run.sh");
  }
  return b;
}

std::string redis_address() {
  const char* r = std::getenv("PAYNOTIFY_REDIS");
  if (r == nullptr || *r == '\0')
    throw std::runtime_error("PAYNOTIFY_REDIS is not set: run the tests through tests/run.sh");
  return r;
}

std::string fresh_topic(const std::string& prefix, int partitions) {
  const std::string name = "test." + prefix + "." + random_hex(6);
  const auto reports = ensure_topics(kafka_brokers(), {}, {{name, partitions, 1, {}}}, 15000);
  if (reports.size() != 1 || !reports[0].error.empty()) {
    throw std::runtime_error("cannot create topic " + name + ": " +
                             (reports.empty() ? "no report" : reports[0].error));
  }
  return name;
}

std::vector<ConsumedRecord> read_topic(const std::string& topic, std::size_t expected,
                                       std::chrono::milliseconds timeout) {
  return read_topic_from_start(kafka_brokers(), {{"log_level", "3"}}, topic, expected, timeout);
}

}  // namespace paynotify::testing
