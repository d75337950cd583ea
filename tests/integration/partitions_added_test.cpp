// Issue 17 on the real broker: partitions that appear under traffic. A new partition (a topic
// just created, partitions added to a live one) is listed in Metadata before its leader hosts
// it, so the producer's first request to it can be refused while a later one succeeds;
// librdkafka then reports the first request's records delivered without an offset although no
// broker stored them. Every notification the ingest acknowledged must be in the topic.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "common/kafka/kafka_admin.hpp"
#include "common/kafka/kafka_producer.hpp"
#include "common/kafka/topic_reader.hpp"
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

// Every record of `topic`, up to the end each partition has now.
std::vector<ConsumedRecord> everything_in(const std::string& topic) {
  return read_topic_past_commit(kafka_brokers(),
                                {{"group.id", "test-reader-" + random_hex(4)}, {"log_level", "3"}},
                                topic, std::chrono::seconds(20));
}

// The acknowledged payments the topic does not hold (the first one named, for the message).
std::pair<std::size_t, std::string> missing_from(const std::string& topic, const Traffic& traffic) {
  std::set<std::string> stored;
  for (const auto& r : everything_in(topic)) stored.insert(r.key);
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
  std::cout << "partitions added under traffic: " << traffic.acknowledged().size() << " of "
            << traffic.sent() << " acknowledged, " << unconfirmed(ingest)
            << " deliveries unconfirmed\n";
}

// A key that the producer's partitioner (murmur2, as Java clients) puts in `partition`.
std::string key_for_partition(int32_t partition, int32_t partitions) {
  for (int i = 0;; ++i) {
    const std::string key = "pay-" + std::to_string(partition) + "-" + std::to_string(i);
    if (rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partitions, nullptr,
                                         nullptr) == partition) {
      return key;
    }
  }
}

// The chart's hook still creating the topic while producers already run (their producer ids
// taken). Found by measurement to reproduce the implicit acknowledgement in nearly every round:
// one record per request and fast retries, so several requests per partition are in flight
// when the broker starts hosting it; each producer writes one partition of its own.
TEST(PartitionsAdded, EveryDurableDeliveryIsInATopicCreatedUnderTraffic) {
  constexpr int kProducers = 8, kPartitions = 48, kRounds = 4;
  const std::map<std::string, std::string> properties{
      {"batch.num.messages", "1"},
      {"retry.backoff.ms", "1"},
      {"retry.backoff.max.ms", "5"},
      {"topic.metadata.refresh.fast.interval.ms", "1"},
      {"topic.metadata.refresh.interval.ms", "100"},
      {"allow.auto.create.topics", "false"}};
  std::vector<std::unique_ptr<KafkaProducer>> producers;
  const std::string warm = fresh_topic("warm", 1);
  for (int i = 0; i < kProducers; ++i) {
    producers.push_back(
        std::make_unique<KafkaProducer>(KafkaProducerConfig{.brokers = kafka_brokers(),
                                                            .properties = properties,
                                                            .message_timeout_ms = 30000,
                                                            .client_id = "test"}));
    std::promise<bool> warmed;
    producers.back()->publish({warm, "k", "v", {}},
                              [&](const DeliveryResult& d) { warmed.set_value(d.has_value()); });
    ASSERT_TRUE(warmed.get_future().get()) << "producer " << i << " took its producer id";
  }
  std::size_t durable = 0, published = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string topic = "test.created." + random_hex(6);
    // Shared with the delivery callbacks, which may outlive this round if an assertion ends it.
    struct Round {
      std::mutex mu;
      std::set<std::string> written;
      std::atomic<std::size_t> reported{0}, sent{0};
    };
    auto state = std::make_shared<Round>();
    std::atomic<bool> stop{false};
    std::vector<std::thread> senders;
    for (int i = 0; i < kProducers; ++i) {
      senders.emplace_back([&, i] {
        const std::string key = key_for_partition(kPartitions - kProducers + i, kPartitions);
        auto& producer = *producers[static_cast<std::size_t>(i)];
        for (int n = 0; !stop.load(); ++n) {  // about 600 records/s each
          const std::string value = key + "/" + std::to_string(n);
          state->sent.fetch_add(1);
          producer.publish({topic, key, value, {}}, [state, value](const DeliveryResult& d) {
            if (d) {
              std::lock_guard lock(state->mu);
              state->written.insert(value);
            }
            state->reported.fetch_add(1);
          });
          std::this_thread::sleep_for(std::chrono::microseconds(1600));
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto created = ensure_topics(kafka_brokers(), {}, {{topic, kPartitions, 1, {}}}, 15000);
    EXPECT_TRUE(created.size() == 1 && created[0].error.empty()) << topic;
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    stop = true;
    for (auto& t : senders) t.join();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(35);
    while (state->reported.load() < state->sent.load() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(state->reported.load(), state->sent.load()) << "every record was reported";
    std::lock_guard lock(state->mu);
    std::set<std::string>
        stored;  // all the topic holds: records not reported durable may be there too
    for (const auto& r : everything_in(topic)) stored.insert(r.value);
    std::size_t missing = 0;
    for (const auto& value : state->written) {
      if (stored.count(value) == 0) ++missing;
    }
    EXPECT_EQ(missing, 0u) << "round " << round << ": reported durable but not in " << topic;
    durable += state->written.size();
    published += state->sent.load();
  }
  double unconfirmed = 0;
  for (const auto& p : producers) {
    for (const auto& [labels, n] : p->unconfirmed_deliveries()) unconfirmed += n;
  }
  std::cout << "topics created under traffic: " << durable << " of " << published << " durable, "
            << unconfirmed << " deliveries unconfirmed (implicit acknowledgements)\n";
}

}  // namespace
}  // namespace paynotify::testing
