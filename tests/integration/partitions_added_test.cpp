// Issue 17 on the real broker: partitions that appear under traffic. A new partition (a topic
// just created, partitions added to a live one) is listed in Metadata before its leader hosts
// it, so the producer's first request to it can be refused while a later one succeeds;
// librdkafka then reports the first request's records delivered without an offset although no
// broker stored them. Every notification the ingest acknowledged must be in the topic.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "common/kafka/kafka_admin.hpp"
#include "common/service/ids.hpp"
#include "tests/support/ingest_harness.hpp"
#include "tests/support/kafka_topic.hpp"
#include "tests/support/notifications.hpp"

namespace paynotify::testing {
namespace {

// Eight senders of fresh payments to one ingest until stop(); what each answer was.
class Traffic {
 public:
  explicit Traffic(IngestHarness& ingest) {
    for (int t = 0; t < 8; ++t) {
      senders_.emplace_back([this, &ingest] {
        while (!stop_.load()) {
          const std::string payment = "pay-new-" + std::to_string(next_.fetch_add(1));
          const unsigned status = ingest.send(payment_result_body(payment));
          std::lock_guard lock(mu_);
          if (status == 200) acknowledged_.insert(payment);
        }
      });
    }
  }
  ~Traffic() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& s : senders_) {
      if (s.joinable()) s.join();
    }
  }
  std::size_t sent() const { return static_cast<std::size_t>(next_.load()); }
  const std::set<std::string>& acknowledged() const { return acknowledged_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> next_{0};
  std::mutex mu_;
  std::set<std::string> acknowledged_;
  std::vector<std::thread> senders_;
};

// The acknowledged payments the topic does not hold (the first one named, for the message).
std::pair<std::size_t, std::string> missing_from(const std::string& topic, const Traffic& traffic) {
  std::set<std::string> stored;
  for (const auto& r : read_topic(topic, traffic.sent(), std::chrono::seconds(15))) stored.insert(r.key);
  std::pair<std::size_t, std::string> missing{0, ""};
  for (const auto& payment : traffic.acknowledged()) {
    if (stored.count(payment) == 0 && missing.first++ == 0) missing.second = payment;
  }
  return missing;
}

double unconfirmed(IngestHarness& ingest) {
  const auto samples = ingest.producer().unconfirmed_deliveries();
  return samples.empty() ? 0.0 : samples.front().second;
}

TEST(PartitionsAdded, EveryAcknowledgedNotificationIsInATopicGrownUnderTraffic) {
  const std::string topic = fresh_topic("grow", 2);
  // The producer learns of new partitions at its next metadata refresh: make that soon.
  IngestHarness ingest(kafka_brokers(), topic, IngestHarness::default_limits(),
                       {{"topic.metadata.refresh.interval.ms", "100"}});
  Traffic traffic(ingest);
  for (int partitions : {4, 8, 12, 16}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    try {
      add_partitions(kafka_brokers(), {}, topic, partitions, 15000);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  traffic.stop();
  const auto [missing, example] = missing_from(topic, traffic);
  EXPECT_EQ(missing, 0u) << "acknowledged but not in the topic, e.g. " << example;
  EXPECT_GT(traffic.acknowledged().size(), 500u) << "traffic ran while the partitions were added";
  std::cout << "partitions added under traffic: " << traffic.acknowledged().size() << " of " << traffic.sent()
            << " acknowledged, " << unconfirmed(ingest) << " deliveries unconfirmed\n";
}

// The chart's hook still creating topics while the ingest starts: here the broker creates the
// topic (auto.create.topics.enable, 6 partitions) at the new producer's first request for it.
TEST(PartitionsAdded, EveryAcknowledgedNotificationIsInATopicCreatedUnderTraffic) {
  std::size_t acknowledged = 0, sent = 0;
  double not_confirmed = 0;
  for (int round = 0; round < 10; ++round) {
    const std::string topic = "test.created." + random_hex(6);
    IngestHarness ingest(kafka_brokers(), topic, IngestHarness::default_limits(),
                         {{"topic.metadata.refresh.interval.ms", "100"}});
    Traffic traffic(ingest);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    traffic.stop();
    const auto [missing, example] = missing_from(topic, traffic);
    EXPECT_EQ(missing, 0u) << "round " << round << ": acknowledged but not in the topic, e.g. " << example;
    acknowledged += traffic.acknowledged().size();
    sent += traffic.sent();
    not_confirmed += unconfirmed(ingest);
  }
  EXPECT_GT(acknowledged, 500u);
  std::cout << "topics created under traffic: " << acknowledged << " of " << sent << " acknowledged, "
            << not_confirmed << " deliveries unconfirmed\n";
}

}  // namespace
}  // namespace paynotify::testing
