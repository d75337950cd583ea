#include "common/kafka/await_delivery.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
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

TEST(DeliveryInbox, ClosingDropsLaterReportsAndEndsEveryOpenWait) {
  Waiting w;
  w.publish(3, milliseconds(60000));
  w.inbox->close();
  w.report_from_another_thread(7);
  w.ctx.run_for(std::chrono::seconds(30));
  EXPECT_TRUE(w.ctx.stopped());  // out of work at once: nothing waits, not even the timer
  EXPECT_EQ(w.inbox->drains(), 0u);
  for (const auto& result : w.results) {
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(result->has_value());
    EXPECT_EQ(result->error().code, DeliveryError::no_report);
  }
}

TEST(DeliveryInbox, APublishBegunAfterClosingIsNotMade) {
  Waiting w;
  w.inbox->close();
  w.publish(1, milliseconds(60000));
  w.ctx.run();
  EXPECT_TRUE(w.publisher.held.empty());  // nothing handed to the producer
  ASSERT_TRUE(w.results[0].has_value());
  EXPECT_EQ(w.results[0]->error().code, DeliveryError::not_queued);
}

// The producer holds each waiting publish as its delivery callback, with the inbox it reports
// to. One it drops without a report (a producer stopping) lets both go, and the wait ends at
// its deadline all the same. (A waiter never let go is a leak: the sanitizer build's leak
// check reports it.)
TEST(DeliveryInbox, ACallbackDroppedUncalledLetsTheInboxGoAndTheWaitEndsAtItsDeadline) {
  Waiting w;
  w.publish(2, milliseconds(1));
  ASSERT_EQ(w.publisher.held.size(), 2u);
  const long held_with_callbacks = w.inbox.use_count();
  w.publisher.held.clear();
  EXPECT_EQ(w.inbox.use_count(), held_with_callbacks - 2);  // one each, now let go
  w.ctx.run();
  for (const auto& result : w.results) {
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->error().code, DeliveryError::no_report);
  }
}

// The worker closes its inbox on shutdown and again when its engine is destroyed, after the
// io_context; a producer's callback can keep an inbox past its context too.
TEST(DeliveryInbox, OutlivesItsContextOnceDetached) {
  auto w = std::make_unique<Waiting>();
  w->publish(1, milliseconds(1));
  w->ctx.run();  // the wait times out: the last thing the timer did
  ASSERT_EQ(w->results[0]->error().code, DeliveryError::no_report);
  const auto inbox = w->inbox;
  inbox->close();
  inbox->detach();  // the threads stopped: the timer goes before its context
  auto held = std::move(w->publisher.held);
  w.reset();       // the context, with the disarm close() posted
  inbox->close();  // again: must not post to the context gone
  held.clear();    // the producer's callback, the last but one holder
  SUCCEED();       // the sanitizer build reports a use after free here, if there is one
}

// Throws from publish, as an allocation failure in the producer would.
class ThrowingPublisher final : public Publisher {
 public:
  void publish(OutgoingRecord, DeliveryCallback) override {
    throw std::runtime_error("out of memory");
  }
};

TEST(DeliveryInbox, APublishThatThrowsIsReportedNotQueued) {
  net::io_context ctx(1);
  auto inbox = std::make_shared<DeliveryInbox>(ctx.get_executor());
  ThrowingPublisher publisher;
  const long inbox_holders = inbox.use_count();
  std::optional<DeliveryResult> result;
  net::co_spawn(
      ctx,
      [&]() -> net::awaitable<void> {
        auto waiting = publish_and_wait(publisher, OutgoingRecord{"t", "k", "v", {}},
                                        milliseconds(60000), inbox);
        result = co_await std::move(waiting);
      },
      net::detached);
  ctx.run_for(std::chrono::seconds(30));  // a throw out of run() would end the test here
  EXPECT_TRUE(ctx.stopped());
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().code, DeliveryError::not_queued);
  EXPECT_EQ(result->error().detail, "out of memory");
  EXPECT_EQ(inbox.use_count(), inbox_holders);  // the callback the throw dropped let it go
}

// A waiting coroutine belongs to its context, not to the inbox: a context stopped for good
// destroys it (and what its frame holds) when it is destroyed itself.
TEST(DeliveryInbox, AContextThatNeverRunsAgainDestroysTheWaitsClosingEnded) {
  auto destroyed = std::make_shared<int>(0);
  std::optional<Waiting> w(std::in_place);
  net::co_spawn(
      w->ctx,
      // Holding its inbox, as a connection does: without close() that would be a cycle.
      [&w, inbox = w->inbox,
       guard = std::shared_ptr<void>(
           nullptr, [destroyed](void*) { ++*destroyed; })]() -> net::awaitable<void> {
        auto waiting = publish_and_wait(w->publisher, OutgoingRecord{"t", "k", "v", {}},
                                        milliseconds(60000), inbox);
        co_await std::move(waiting);
      },
      net::detached);
  w->ctx.poll();
  ASSERT_EQ(*destroyed, 0);  // waiting
  w->inbox->close();
  w->ctx.stop();
  w.reset();  // the context, the inbox and the producer's held callback
  EXPECT_EQ(*destroyed, 1);
}

TEST(DeliveryInbox, WaitsShareOneTimerAndNothingIsLeftArmed) {
  Waiting w;
  w.publish(50, milliseconds(60000));
  EXPECT_EQ(w.inbox->timer_arms(), 1u);  // not one per publish
  w.report_from_another_thread(0);
  w.ctx.run_for(std::chrono::seconds(30));
  EXPECT_TRUE(w.ctx.stopped());  // every wait answered: the timer does not hold the context
  for (std::size_t i = 0; i < w.results.size(); ++i) {
    ASSERT_TRUE(w.results[i].has_value() && w.results[i]->has_value()) << i;
  }
}

TEST(DeliveryInbox, AShorterTimeoutAfterALongerOneEndsAtItsOwnDeadline) {
  Waiting w;
  std::optional<DeliveryResult> longer;
  std::optional<DeliveryResult> shorter;
  auto wait_for = [&](milliseconds timeout, std::optional<DeliveryResult>& out) {
    net::co_spawn(
        w.ctx,
        [&w, &out, timeout]() -> net::awaitable<void> {
          auto waiting =
              publish_and_wait(w.publisher, OutgoingRecord{"t", "k", "v", {}}, timeout, w.inbox);
          out = co_await std::move(waiting);
        },
        net::detached);
    w.ctx.poll();
  };
  wait_for(milliseconds(60000), longer);
  wait_for(milliseconds(1), shorter);
  while (!shorter && w.ctx.run_one_for(std::chrono::seconds(10)) > 0) {
  }
  ASSERT_TRUE(shorter.has_value());  // the timer was brought forward for it
  EXPECT_EQ(shorter->error().code, DeliveryError::no_report);
  EXPECT_FALSE(longer.has_value());
  ASSERT_EQ(w.publisher.held.size(), 2u);
  w.publisher.held[0](RecordWritten{0, 41});
  w.ctx.restart();
  w.ctx.run();
  ASSERT_TRUE(longer.has_value() && longer->has_value());
  EXPECT_EQ((*longer)->offset, 41);
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
