// What the engine holds, in two shares: the retry topic's records keep a quarter of the limits
// for themselves, and a full share pauses its topic until it has drained to three quarters.
#include "worker/in_flight.hpp"

#include <gtest/gtest.h>

namespace paynotify::worker {
namespace {

struct Shares : ::testing::Test {
  Gauge records, bytes;
};

TEST_F(Shares, TheMainTopicFullLeavesTheRetryTopicItsQuarter) {
  InFlight held(8, 1 << 20, records, bytes);  // 6 for the main topic, 2 for the retry topic
  for (int i = 0; i < 6; ++i) held.enter(Share::main_topic, 10);
  EXPECT_TRUE(held.hold(Share::main_topic));
  EXPECT_FALSE(held.hold(Share::retry_topic)) << "the authorizations parked captures wait for";
  held.enter(Share::retry_topic, 10);
  EXPECT_FALSE(held.hold(Share::retry_topic));
  held.enter(Share::retry_topic, 10);
  EXPECT_TRUE(held.hold(Share::retry_topic));
  EXPECT_EQ(records.Value(), 8) << "the gauges show both shares";
  EXPECT_EQ(bytes.Value(), 80);
  EXPECT_EQ(held.records(), 8);
}

TEST_F(Shares, BytesFillAShareBeforeItsCount) {
  InFlight held(1000, 4000, records, bytes);  // 3000 bytes for the main topic
  held.enter(Share::main_topic, 2000);
  EXPECT_FALSE(held.hold(Share::main_topic));
  held.enter(Share::main_topic, 1000);
  EXPECT_TRUE(held.hold(Share::main_topic));
}

// A full engine does not pause and resume the consumer with every record that finishes.
TEST_F(Shares, AFullShareHoldsUntilItHasDrainedToThreeQuarters) {
  InFlight held(16, 1 << 20, records, bytes);  // 12 for the main topic: resumes at 9
  for (int i = 0; i < 12; ++i) held.enter(Share::main_topic, 1);
  EXPECT_TRUE(held.hold(Share::main_topic));
  held.leave(Share::main_topic, 1, 1);
  EXPECT_TRUE(held.hold(Share::main_topic)) << "11 of 12: still held";
  held.leave(Share::main_topic, 2, 2);
  EXPECT_FALSE(held.hold(Share::main_topic)) << "9 of 12: room again";
  held.enter(Share::main_topic, 1);
  EXPECT_FALSE(held.hold(Share::main_topic)) << "10 of 12, coming from below: not held";
}

TEST_F(Shares, TheSmallestLimitsStillLeaveEachShareOneRecord) {
  InFlight held(1, 65536, records, bytes);
  EXPECT_FALSE(held.hold(Share::main_topic));
  EXPECT_FALSE(held.hold(Share::retry_topic));
  held.enter(Share::main_topic, 1);
  held.enter(Share::retry_topic, 1);
  EXPECT_TRUE(held.hold(Share::main_topic));
  EXPECT_TRUE(held.hold(Share::retry_topic));
}

}  // namespace
}  // namespace paynotify::worker
