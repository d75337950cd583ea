#include <gtest/gtest.h>

#include "worker/offset_tracker.hpp"
#include "worker/payment_lanes.hpp"

namespace paynotify::worker {
namespace {

TEST(PaymentLanes, SamePaymentWaitsInOrderOthersRun) {
  PaymentLanes<int> lanes;
  EXPECT_EQ(lanes.enqueue("p1", 1), 1);             // runs
  EXPECT_EQ(lanes.enqueue("p1", 2), std::nullopt);  // parked behind 1
  EXPECT_EQ(lanes.enqueue("p2", 3), 3);             // another payment runs meanwhile
  EXPECT_EQ(lanes.enqueue("p1", 4), std::nullopt);
  EXPECT_EQ(lanes.waiting(), 2u);
  EXPECT_EQ(lanes.finish("p1"), 2);  // in consumed order
  EXPECT_EQ(lanes.finish("p1"), 4);
  EXPECT_EQ(lanes.finish("p1"), std::nullopt);
  EXPECT_EQ(lanes.finish("p2"), std::nullopt);
  EXPECT_EQ(lanes.active_lanes(), 0u);
  EXPECT_EQ(lanes.enqueue("p1", 5), 5);  // an idle lane runs at once again
}

TEST(OffsetTracker, StoresOnlyPastTheLastContiguousFinishedOffset) {
  OffsetTracker t;
  for (int64_t o = 10; o < 14; ++o) t.begin(o);
  EXPECT_EQ(t.finish(12), std::nullopt);  // 10 and 11 still running
  EXPECT_EQ(t.finish(10), 11);
  EXPECT_EQ(t.finish(11), 13);  // 12 was already finished
  EXPECT_EQ(t.finish(13), 14);
  EXPECT_EQ(t.in_flight(), 0u);
  EXPECT_EQ(t.finish(99), std::nullopt);  // unknown (e.g. from before a revoke)
}

}  // namespace
}  // namespace paynotify::worker
