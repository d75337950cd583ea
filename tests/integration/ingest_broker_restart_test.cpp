// The real broker stopped while notifications flow: every acknowledged notification is in the
// topic afterwards (promise 1), and the ones sent while it was down got 503.
// Runs alone (RUN_SERIAL): it stops and restarts the shared broker through deploy/local/stack.sh.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <set>
#include <thread>

#include "tests/support/ingest_harness.hpp"
#include "tests/support/kafka_topic.hpp"
#include "tests/support/notifications.hpp"

namespace paynotify::testing {
namespace {

int stack(const std::string& args) {
  const std::string cmd =
      std::string(PAYNOTIFY_SOURCE_DIR) + "/deploy/local/stack.sh " + args + " >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

TEST(IngestBrokerRestart, NothingAcknowledgedIsMissingAfterTheBrokerStops) {
  const std::string topic = fresh_topic("restart", 3);
  auto limits = IngestHarness::default_limits();
  limits.ack_timeout = std::chrono::milliseconds(2000);
  IngestHarness ingest(kafka_brokers(), topic, limits);

  std::atomic<bool> stop{false};
  std::atomic<bool> restarted{false};
  std::atomic<int> acked_after_restart{0};
  std::mutex mu;
  std::set<std::string> acknowledged;
  int rejected = 0, sent = 0;
  std::thread sender([&] {
    for (int i = 0; !stop.load() && i < 5000; ++i) {
      const std::string id = "pay-restart-" + std::to_string(i);
      const unsigned status = ingest.send(payment_result_body(id));
      std::lock_guard lock(mu);
      ++sent;
      if (status == 200) {
        acknowledged.insert(id);
        if (restarted.load()) acked_after_restart.fetch_add(1);
      } else if (status == 503)
        ++rejected;
      else
        ADD_FAILURE() << "unexpected status " << status;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_EQ(stack("down kafka"), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(4000));
  ASSERT_EQ(stack("up kafka"), 0);
  restarted.store(true);
  // The producer reconnects by itself: wait for a run of acknowledgements, at most 60 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (acked_after_restart.load() < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop.store(true);
  sender.join();

  std::set<std::string> stored;
  for (const auto& r : read_topic(topic, acknowledged.size() + 1000, std::chrono::seconds(15)))
    stored.insert(r.key);
  for (const auto& id : acknowledged)
    EXPECT_TRUE(stored.count(id)) << id << " was acknowledged but is not in the topic";
  EXPECT_GT(rejected, 0) << "requests while the broker was down got 503";
  EXPECT_GT(acknowledged.size(), 0u);
  EXPECT_GE(acked_after_restart.load(), 20) << "acknowledging again after the restart";
  std::cout << "sent " << sent << ", acknowledged " << acknowledged.size() << ", 503 " << rejected
            << ", stored " << stored.size() << "\n";
}

}  // namespace
}  // namespace paynotify::testing
