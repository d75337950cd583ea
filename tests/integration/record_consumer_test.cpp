// The worker's consumer against the real broker: a retry-topic record that is not due yet
// pauses its partition (no memory, no in-flight slot) and arrives when it is due.
#include "worker/record_consumer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "common/antom/request_time.hpp"
#include "common/kafka/kafka_producer.hpp"
#include "common/kafka/record_headers.hpp"
#include "tests/support/kafka_topic.hpp"
#include "tests/support/wait.hpp"

namespace paynotify::testing {
namespace {

void produce(KafkaProducer& producer, const std::string& topic, const std::string& key,
             int64_t not_before) {
  std::promise<DeliveryResult> delivered;
  producer.publish(
      {topic, key, "v-" + key, {{std::string(header::kNotBefore), std::to_string(not_before)}}},
      [&](const DeliveryResult& r) { delivered.set_value(r); });
  ASSERT_TRUE(delivered.get_future().get().has_value());
}

// The event loop a consumer is served from, running on a thread of its own until destroyed
// (after the consumer: its stop() needs the loop).
struct LoopThread {
  boost::asio::io_context loop;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
      boost::asio::make_work_guard(loop);
  std::thread thread{[this] { loop.run(); }};
  ~LoopThread() {
    work.reset();
    loop.stop();
    thread.join();
  }
};

TEST(RecordConsumer, ARetryRecordNotDueYetHoldsItsPartitionUntilItIs) {
  const std::string topic = fresh_topic("held", 1);
  KafkaProducer producer({.brokers = kafka_brokers(),
                          .queue_max_messages = 1000,
                          .linger_ms = 0,
                          .client_id = "test"});
  const int64_t due = epoch_now_ms() + 3000;
  produce(producer, topic, "later", due);
  produce(producer, topic, "behind", 0);  // due already, but queued behind the held head

  std::mutex mu;
  std::vector<std::pair<std::string, int64_t>> seen;  // key, arrival
  LoopThread loop;
  worker::RecordConsumer consumer({kafka_brokers(), "held-" + topic, {topic}, {}, topic},
                                  {[&](worker::ConsumedMessage m) {
                                     std::lock_guard lock(mu);
                                     seen.emplace_back(m.key, epoch_now_ms());
                                   },
                                   [](const std::vector<worker::TopicPartition>&) {},
                                   {}});
  consumer.start(loop.loop.get_executor());
  const auto count = [&] {
    std::lock_guard lock(mu);
    return seen.size();
  };
  bool held = false;
  for (int i = 0; i < 100 && epoch_now_ms() < due - 500; ++i) {
    held = held || consumer.held_partitions() == 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(held) << "the partition was paused while its head waited";
  EXPECT_EQ(count(), 0u) << "nothing handed over before the head is due";
  for (int i = 0; i < 300 && count() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  consumer.stop();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, "later");
  EXPECT_GE(seen[0].second, due);
  EXPECT_EQ(seen[1].first, "behind") << "order within the partition is kept";
  EXPECT_EQ(consumer.held_partitions(), 0u);
}

// Nothing to consume for longer than max.poll.interval.ms (a quiet topic, or every partition
// paused while Redis is away): the loop still makes its consume calls, so the member stays in
// its group and keeps its partitions. (Woken only by the pipe, it was dropped from the group.)
TEST(RecordConsumer, AQuietConsumerStaysInItsGroup) {
  const std::string topic = fresh_topic("quiet", 1);
  std::atomic<int> revoked{0};
  std::atomic<int> consumed{0};
  LoopThread loop;
  worker::RecordConsumer consumer(
      {kafka_brokers(),
       "quiet-" + topic,
       {topic},
       {{"session.timeout.ms", "6000"}, {"max.poll.interval.ms", "7000"}},
       ""},
      {[&](worker::ConsumedMessage) { ++consumed; },
       [&](const std::vector<worker::TopicPartition>&) { ++revoked; },
       {}});
  consumer.start(loop.loop.get_executor());
  ASSERT_TRUE(wait_until(
      [&] {
        consumer.probe();  // the lag lists the partitions assigned
        return consumer.lag().size() == 1;
      },
      std::chrono::seconds(20)));
  // Past max.poll.interval.ms with nothing to consume.
  const auto quiet_until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  wait_until([&] { return std::chrono::steady_clock::now() >= quiet_until; },
             std::chrono::seconds(11));
  EXPECT_EQ(revoked.load(), 0) << "the member left its group while it had nothing to consume";
  KafkaProducer producer({.brokers = kafka_brokers(), .linger_ms = 0, .client_id = "test"});
  produce(producer, topic, "after-the-quiet", 0);
  EXPECT_TRUE(wait_until([&] { return consumed.load() == 1; }, std::chrono::seconds(10)));
  consumer.stop();
}

// The receiver says it holds all it may of a topic (its share of --max-in-flight and
// --max-in-flight-bytes): the consumer pauses that topic before its next batch, takes nothing
// more of it until the receiver has room again, and goes on with the other topic meanwhile
// (the retry topic, which the records waiting in the main topic's share may wait for).
TEST(RecordConsumer, AReceiverFullOfOneTopicGetsNoMoreOfItAndStillGetsTheOther) {
  const std::string topic = fresh_topic("full", 1);
  const std::string other = fresh_topic("full-other", 1);
  KafkaProducer producer({.brokers = kafka_brokers(), .linger_ms = 5, .client_id = "test"});
  constexpr int kRecords = 1000;
  for (int i = 0; i < kRecords; ++i) produce(producer, topic, "k" + std::to_string(i), 0);
  std::atomic<int> consumed{0}, consumed_other{0};
  std::atomic<bool> full_at_one{true};
  LoopThread loop;
  worker::RecordConsumer consumer(
      {kafka_brokers(), "full-" + topic, {topic, other}, {}, ""},
      {[&](worker::ConsumedMessage m) { ++(m.topic == topic ? consumed : consumed_other); },
       [](const std::vector<worker::TopicPartition>&) {},
       [&](const std::string& t) {
         return t == topic && full_at_one.load() && consumed.load() >= 1;
       }});
  consumer.start(loop.loop.get_executor());
  ASSERT_TRUE(wait_until([&] { return consumed.load() >= 1; }, std::chrono::seconds(20)));
  // Long enough for every record to arrive many times over, had the consumer gone on.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_TRUE(consumer.paused());
  EXPECT_LE(consumed.load(), 64) << "records were taken after the receiver said it was full";
  for (int i = 0; i < 10; ++i) produce(producer, other, "o" + std::to_string(i), 0);
  EXPECT_TRUE(wait_until([&] { return consumed_other.load() == 10; }, std::chrono::seconds(20)))
      << "the other topic stopped too: " << consumed_other.load() << " of 10";
  full_at_one = false;  // room again: no call from outside needed
  EXPECT_TRUE(wait_until([&] { return consumed.load() == kRecords; }, std::chrono::seconds(20)))
      << consumed.load() << " of " << kRecords << " after the receiver had room";
  EXPECT_FALSE(consumer.paused());
  consumer.stop();
}

// librdkafka keeps a partition paused across its revocation and a later assignment. A retry
// partition this member held (its head not due) when another member took it over, and got back
// after the head came due, must be consumed: it came back paused, with no hold of this member's
// left to resume it, and the payments parked behind its records waited for ever.
TEST(RecordConsumer, ARetryPartitionHeldWhenRevokedIsConsumedWhenItComesBack) {
  const std::string topic = fresh_topic("held-back", 2);
  KafkaProducer producer({.brokers = kafka_brokers(), .linger_ms = 0, .client_id = "test"});
  // After the second member has joined, even on a slow CI.
  const int64_t due = epoch_now_ms() + 15000;
  std::set<int32_t> partitions;
  std::size_t produced = 0;
  for (int i = 0; partitions.size() < 2 && i < 100; ++i, ++produced) {
    const std::string key = "k" + std::to_string(i);
    std::promise<DeliveryResult> delivered;
    producer.publish({topic, key, "v", {{std::string(header::kNotBefore), std::to_string(due)}}},
                     [&](const DeliveryResult& r) { delivered.set_value(r); });
    const auto r = delivered.get_future().get();
    ASSERT_TRUE(r.has_value());
    partitions.insert(r->partition);
  }
  ASSERT_EQ(partitions.size(), 2u) << "records on each partition";
  const std::string group = "held-back-" + topic;
  std::set<std::string> by_first;
  std::mutex mu;
  LoopThread loop;
  worker::RecordConsumer first({kafka_brokers(), group, {topic}, {}, topic},
                               {[&](worker::ConsumedMessage m) {
                                  std::lock_guard lock(mu);
                                  by_first.insert(m.key);
                                },
                                [](const std::vector<worker::TopicPartition>&) {},
                                {}});
  first.start(loop.loop.get_executor());
  ASSERT_TRUE(wait_until([&] { return first.held_partitions() == 2; }, std::chrono::seconds(20)))
      << "both heads held by the first member";
  {
    std::atomic<int> by_second{0};
    LoopThread other_loop;
    worker::RecordConsumer second({kafka_brokers(), group, {topic}, {}, topic},
                                  {[&](worker::ConsumedMessage) { ++by_second; },
                                   [](const std::vector<worker::TopicPartition>&) {},
                                   {}});
    second.start(other_loop.loop.get_executor());
    ASSERT_TRUE(wait_until(
        [&] {
          second.probe();  // the lag lists the partitions assigned
          return second.lag().size() == 1 && first.held_partitions() == 1;
        },
        std::chrono::seconds(20)))
        << "the second member took a held partition over";
    ASSERT_LT(epoch_now_ms(), due) << "the rebalance outlasted the head's wait: nothing shown";
    // The head comes due with the second member, which takes it (and stores no offset).
    ASSERT_TRUE(wait_until([&] { return by_second.load() >= 1; }, std::chrono::seconds(20)));
    second.stop();  // leaves the group: the partition goes back to the first member
  }
  EXPECT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(mu);
        return by_first.size() == produced;
      },
      std::chrono::seconds(20)))
      << "the partition that came back was never consumed: " << by_first.size() << " of "
      << produced;
  first.stop();
}

}  // namespace
}  // namespace paynotify::testing
