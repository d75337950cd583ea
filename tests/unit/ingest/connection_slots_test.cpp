#include "ingest/connection_slots.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace paynotify::ingest {
namespace {

using Clock = ConnectionSlots::Clock;
using Admission = ConnectionSlots::Admission;
using std::chrono::milliseconds;

TEST(ConnectionSlots, AtTheCapTheSlowestReaderMakesRoomHeadOrBody) {
  ConnectionSlots slots(3, 0);
  const auto t0 = Clock::now();
  std::vector<std::string> closed;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(slots.admit("10.0.0.1", t0), Admission::admitted);
  // Three readers over the same 10 s: 5,000 bytes (a body arriving), 20 bytes (a dribbled
  // head), 600 bytes (a head, then a body that stopped).
  const auto fast = slots.enter([&] { closed.push_back("fast"); });
  const auto dribbling = slots.enter([&] { closed.push_back("dribbling"); });
  const auto stalled = slots.enter([&] { closed.push_back("stalled"); });
  for (const auto id : {fast, dribbling, stalled}) slots.start_reading(id, t0);
  slots.progress(fast, 5000);
  slots.progress(dribbling, 20);
  slots.progress(stalled, 600);
  EXPECT_EQ(slots.admit("10.0.0.2", t0 + milliseconds(10000)), Admission::admitted_evicting);
  EXPECT_EQ(closed, std::vector<std::string>{"dribbling"});
  EXPECT_EQ(slots.admit("10.0.0.2", t0 + milliseconds(10000)), Admission::admitted_evicting);
  EXPECT_EQ(closed, (std::vector<std::string>{"dribbling", "stalled"}));
  // Each was evicted once: until it reads its next request, it is not evicted again.
  EXPECT_EQ(slots.admit("10.0.0.2", t0 + milliseconds(10000)), Admission::admitted_evicting);
  EXPECT_EQ(closed, (std::vector<std::string>{"dribbling", "stalled", "fast"}));
  EXPECT_EQ(slots.admit("10.0.0.2", t0 + milliseconds(10000)), Admission::refused_full);
  slots.start_reading(stalled, t0 + milliseconds(10000));
  EXPECT_EQ(slots.admit("10.0.0.2", t0 + milliseconds(10001)), Admission::admitted_evicting);
  EXPECT_EQ(closed.back(), "stalled");
}

TEST(ConnectionSlots, IdleConnectionsGoFirstTheLongestWaitingFirst) {
  ConnectionSlots slots(2, 0);
  const auto t0 = Clock::now();
  std::vector<std::string> closed;
  slots.admit("a", t0);
  slots.admit("a", t0);
  slots.start_reading(slots.enter([&] { closed.push_back("newer"); }), t0 + milliseconds(50));
  slots.start_reading(slots.enter([&] { closed.push_back("older"); }), t0);
  EXPECT_EQ(slots.admit("b", t0 + milliseconds(100)), Admission::admitted_evicting);
  EXPECT_EQ(closed, std::vector<std::string>{"older"});
}

TEST(ConnectionSlots, AConnectionBeingAnsweredIsNeverEvicted) {
  ConnectionSlots slots(1, 0);
  const auto t0 = Clock::now();
  bool closed = false;
  slots.admit("a", t0);
  const auto id = slots.enter([&] { closed = true; });
  EXPECT_EQ(slots.admit("b", t0 + milliseconds(5)), Admission::refused_full);  // not reading yet
  slots.start_reading(id, t0);
  slots.done_reading(id);  // its request is complete: verified and published from here
  EXPECT_EQ(slots.admit("b", t0 + milliseconds(10)), Admission::refused_full);
  EXPECT_FALSE(closed);
  slots.start_reading(id, t0 + milliseconds(10));  // its next request, then it ends
  slots.leave(id);
  EXPECT_EQ(slots.admit("b", t0 + milliseconds(15)), Admission::refused_full);
  EXPECT_FALSE(closed);
  slots.release("a");
  EXPECT_EQ(slots.admit("b", t0 + milliseconds(20)), Admission::admitted);
}

TEST(ConnectionSlots, OneSourceHoldsItsShareAndGetsItBack) {
  ConnectionSlots slots(100, 2);
  const auto t0 = Clock::now();
  EXPECT_EQ(slots.admit("10.0.0.1", t0), Admission::admitted);
  EXPECT_EQ(slots.admit("10.0.0.1", t0), Admission::admitted);
  EXPECT_EQ(slots.admit("10.0.0.1", t0), Admission::refused_source);
  EXPECT_EQ(slots.admit("10.0.0.2", t0), Admission::admitted);
  slots.release("10.0.0.1");
  EXPECT_EQ(slots.admit("10.0.0.1", t0), Admission::admitted);
  EXPECT_EQ(slots.open(), 3);
}

TEST(ConnectionSlots, BodyBytesAreDueAtTheMinimumRateAfterTheGrace) {
  const auto start = Clock::now();
  const auto deadline = start + milliseconds(10000);
  // 1,000 bytes/s after 1 s of grace: byte 1 by 1.001 s, byte 2,001 by 3.001 s.
  EXPECT_EQ(ConnectionSlots::next_bytes_due(start, 0, 1000, milliseconds(1000), deadline),
            start + milliseconds(1001));
  EXPECT_EQ(ConnectionSlots::next_bytes_due(start, 2000, 1000, milliseconds(1000), deadline),
            start + milliseconds(3001));
  EXPECT_EQ(ConnectionSlots::next_bytes_due(start, 50000, 1000, milliseconds(1000), deadline),
            deadline);
  EXPECT_EQ(ConnectionSlots::next_bytes_due(start, 0, 0, milliseconds(1000), deadline),
            deadline);  // off
}

}  // namespace
}  // namespace paynotify::ingest
