#include "ingest/deadline_sweep.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>

namespace paynotify::ingest {
namespace {

using std::chrono::milliseconds;
using Clock = DeadlineSweep::Clock;

TEST(DeadlineSweep, TicksATenthOfTheShortestTimeoutBetween1And100Ms) {
  EXPECT_EQ(DeadlineSweep::tick_for({milliseconds(10000), milliseconds(1000)}), milliseconds(100));
  EXPECT_EQ(DeadlineSweep::tick_for({milliseconds(10000), milliseconds(300)}), milliseconds(30));
  EXPECT_EQ(DeadlineSweep::tick_for({milliseconds(5)}), milliseconds(1));
}

TEST(DeadlineSweep, ExpiresOnlyWhatHasPassedAndEachOnce) {
  DeadlineSweep sweep(milliseconds(100));
  const auto t0 = Clock::now();
  int passed = 0, moved = 0, cleared = 0, ahead = 0;
  DeadlineSweep::Deadline passed_d(sweep, [&] { ++passed; });
  DeadlineSweep::Deadline moved_d(sweep, [&] { ++moved; });
  DeadlineSweep::Deadline cleared_d(sweep, [&] { ++cleared; });
  DeadlineSweep::Deadline ahead_d(sweep, [&] { ++ahead; });
  passed_d.set(t0 + milliseconds(10));
  moved_d.set(t0 + milliseconds(10));
  moved_d.set(t0 + milliseconds(5000));  // its next read began: a deadline moved later
  cleared_d.set(t0 + milliseconds(10));
  cleared_d.clear();  // being answered: no deadline
  ahead_d.set(t0 + milliseconds(30));
  sweep.sweep(t0 + milliseconds(20));
  sweep.sweep(t0 + milliseconds(25));
  EXPECT_EQ(passed, 1);
  EXPECT_TRUE(passed_d.expired());
  EXPECT_EQ(moved + cleared + ahead, 0);
  EXPECT_FALSE(ahead_d.expired());
  sweep.sweep(t0 + milliseconds(30));  // a deadline is due at its instant
  EXPECT_EQ(ahead, 1);
}

TEST(DeadlineSweep, AnEndedConnectionLeavesTheSweep) {
  DeadlineSweep sweep(milliseconds(100));
  int expired = 0;
  DeadlineSweep::Deadline stays(sweep, [&] { ++expired; });
  {
    DeadlineSweep::Deadline first(sweep, [&] { ++expired; });
    DeadlineSweep::Deadline last(sweep, [&] { ++expired; });
    EXPECT_EQ(sweep.registered(), 3u);
  }
  EXPECT_EQ(sweep.registered(), 1u);
  stays.set(Clock::now());
  sweep.sweep(Clock::now());
  EXPECT_EQ(expired, 1);  // the ended ones were not reached
}

TEST(DeadlineSweep, ItsTimerSweepsUntilADeadlinePasses) {
  boost::asio::io_context ctx(1);
  DeadlineSweep sweep(milliseconds(5));
  boost::asio::co_spawn(ctx, sweep.run(), boost::asio::detached);
  Clock::time_point expired_at{};
  DeadlineSweep::Deadline d(sweep, [&] { expired_at = Clock::now(); });
  const auto due = Clock::now() + milliseconds(40);
  d.set(due);
  ctx.run_for(milliseconds(20));
  EXPECT_FALSE(d.expired()) << "not before its deadline";
  for (int i = 0; i < 100 && !d.expired(); ++i) ctx.run_for(milliseconds(10));
  ASSERT_TRUE(d.expired());
  EXPECT_GE(expired_at, due);  // how soon after is sweep()'s to keep (the test above), not a
                               // wall clock's on a busy machine
}

}  // namespace
}  // namespace paynotify::ingest
