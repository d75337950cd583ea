// A publish's delivery callback: called once, let go once, and one pointer that a C library
// can carry as a record's opaque.
#include <gtest/gtest.h>

#include <memory>
#include <type_traits>
#include <utility>

#include "common/kafka/publisher.hpp"

namespace paynotify {
namespace {

// What a publisher relies on: a callback is moved, never copied (a vector of held callbacks
// needs a move that cannot throw), and any function of the report converts, mutable or not.
static_assert(!std::is_copy_constructible_v<DeliveryCallback>);
static_assert(std::is_nothrow_move_constructible_v<DeliveryCallback>);
static_assert(std::is_convertible_v<void (*)(const DeliveryResult&), DeliveryCallback>);
static_assert(std::is_convertible_v<decltype([n = 0](const DeliveryResult&) mutable { ++n; }),
                                    DeliveryCallback>);
static_assert(!std::is_convertible_v<decltype([](int) {}), DeliveryCallback>);

// Counts what a callback did to it: the calls, and whether its holder was let go.
struct Counts {
  int calls = 0;
  int64_t last_offset = -1;
};

DeliveryCallback counting(const std::shared_ptr<Counts>& counts) {
  return [counts](const DeliveryResult& r) {
    ++counts->calls;
    if (r) counts->last_offset = r->offset;
  };
}

TEST(DeliveryCallback, ALambdaIsCalledAndLetGoWithTheCallback) {
  auto counts = std::make_shared<Counts>();
  {
    const DeliveryCallback callback = counting(counts);
    EXPECT_EQ(counts.use_count(), 2);  // the lambda's copy, held by the callback
    callback(RecordWritten{0, 42});
  }
  EXPECT_EQ(counts->calls, 1);
  EXPECT_EQ(counts->last_offset, 42);
  EXPECT_EQ(counts.use_count(), 1);  // dropped with the callback
}

TEST(DeliveryCallback, OneDroppedUncalledLetsGoWithoutACall) {
  auto counts = std::make_shared<Counts>();
  { DeliveryCallback callback = counting(counts); }
  EXPECT_EQ(counts->calls, 0);
  EXPECT_EQ(counts.use_count(), 1);
}

TEST(DeliveryCallback, ReleasedItIsHeldByNoOneUntilAdopted) {
  auto counts = std::make_shared<Counts>();
  DeliveryCallback callback = counting(counts);
  void* opaque = callback.release();  // what librdkafka carries with the record
  EXPECT_FALSE(callback);
  callback = DeliveryCallback();  // dropping the emptied callback lets nothing go
  EXPECT_EQ(counts.use_count(), 2);
  {
    const DeliveryCallback back = DeliveryCallback::adopt(opaque);
    ASSERT_TRUE(back);
    back(RecordWritten{1, 7});
  }
  EXPECT_EQ(counts->calls, 1);
  EXPECT_EQ(counts->last_offset, 7);
  EXPECT_EQ(counts.use_count(), 1);
  EXPECT_FALSE(DeliveryCallback::adopt(nullptr));
}

TEST(DeliveryCallback, AssigningLetsTheOldReceiverGoAndMovingDoesNot) {
  auto first = std::make_shared<Counts>();
  auto second = std::make_shared<Counts>();
  DeliveryCallback callback = counting(first);
  DeliveryCallback moved = std::move(callback);
  EXPECT_EQ(first.use_count(), 2);  // moved, not copied, and not let go
  moved = counting(second);
  EXPECT_EQ(first.use_count(), 1);  // the old one let go
  EXPECT_EQ(second.use_count(), 2);
  moved(failure(DeliveryError::not_written, "test"));
  EXPECT_EQ(second->calls, 1);
  EXPECT_EQ(first->calls, 0);
}

// A receiver of its own, as a waiting publish is: told once, then let go once.
class CountingReceiver final : public DeliveryCallback::Receiver {
 public:
  void deliver(const DeliveryResult&) override { ++delivered; }
  void let_go() noexcept override { ++let_go_count; }
  int delivered = 0;
  int let_go_count = 0;
};

TEST(DeliveryCallback, AnEmptyOneTakesAReportAndDoesNothing) {
  const DeliveryCallback empty;
  EXPECT_FALSE(empty);
  empty(RecordWritten{0, 1});  // no receiver to call: nothing happens
}

TEST(DeliveryCallback, AReceiverOfItsOwnIsCalledThenLetGoOnce) {
  CountingReceiver receiver;
  {
    DeliveryCallback callback(&receiver);
    DeliveryCallback moved = std::move(callback);
    moved(RecordWritten{0, 1});
  }
  EXPECT_EQ(receiver.delivered, 1);
  EXPECT_EQ(receiver.let_go_count, 1);
}

}  // namespace
}  // namespace paynotify
