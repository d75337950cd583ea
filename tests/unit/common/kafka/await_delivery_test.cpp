#include "common/kafka/await_delivery.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

namespace paynotify {
namespace {

namespace net = boost::asio;
using std::chrono::milliseconds;

// Keeps every delivery callback, for the test to report when and from where it likes.
class HeldPublisher final : public Publisher {
 public:
  void publish(OutgoingRecord, DeliveryCallback on_delivery) override {
    held.push_back(std::move(on_delivery));
  }
  std::vector<DeliveryCallback> held;
};

struct Waiting {
  net::io_context ctx{1};
  std::shared_ptr<DeliveryInbox> inbox = std::make_shared<DeliveryInbox>(ctx.get_executor());
  HeldPublisher publisher;
  std::vector<std::optional<DeliveryResult>> results;

  void publish(std::size_t n, milliseconds timeout) {
    results.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      net::co_spawn(
          ctx,
          [this, i, timeout]() -> net::awaitable<void> {
            auto waiting =
                publish_and_wait(publisher, OutgoingRecord{"t", "k", "v", {}}, timeout, inbox);
            results[i] = co_await std::move(waiting);
          },
          net::detached);
    }
    ctx.poll();  // each coroutine publishes and waits
  }
  // From another thread, as librdkafka's poll thread does.
  void report_from_another_thread(int64_t first_offset) {
    std::thread producer([&] {
      for (std::size_t i = 0; i < publisher.held.size(); ++i)
        publisher.held[i](RecordWritten{0, first_offset + static_cast<int64_t>(i)});
    });
    producer.join();
  }
};

TEST(DeliveryInbox, ReportsArrivingTogetherAreHandedOverByOneDrain) {
  Waiting w;
  w.publish(5, milliseconds(60000));
  ASSERT_EQ(w.publisher.held.size(), 5u);
  w.report_from_another_thread(100);
  w.ctx.run();
  EXPECT_EQ(w.inbox->drains(), 1u);  // one post for the five, not one each
  for (std::size_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(w.results[i].has_value());
    ASSERT_TRUE(w.results[i]->has_value()) << i;
    EXPECT_EQ((*w.results[i])->offset,
              100 + static_cast<int64_t>(i));  // each waiter gets its own report
  }
}

TEST(DeliveryInbox, AClosedInboxDropsReportsAndTheWaitEndsAtItsTimeout) {
  Waiting w;
  w.publish(1, milliseconds(5));
  w.inbox->close();
  w.report_from_another_thread(7);
  w.ctx.run();
  EXPECT_EQ(w.inbox->drains(), 0u);
  ASSERT_TRUE(w.results[0].has_value());
  ASSERT_FALSE(w.results[0]->has_value());
  EXPECT_EQ(w.results[0]->error().code, DeliveryError::no_report);
}

TEST(DeliveryInbox, AReportAfterTheTimeoutReachesNoOne) {
  Waiting w;
  w.publish(1, milliseconds(1));
  w.ctx.run();  // timed out: the coroutine is gone
  ASSERT_EQ(w.results[0]->error().code, DeliveryError::no_report);
  w.report_from_another_thread(9);  // the waiter it names outlives its coroutine
  w.ctx.restart();
  w.ctx.run();
  EXPECT_EQ(w.inbox->drains(), 1u);
  EXPECT_EQ(w.results[0]->error().code, DeliveryError::no_report);
}

}  // namespace
}  // namespace paynotify
