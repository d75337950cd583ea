// The system clock's alarms, the ones the engine waits on in production (its tests use a
// ManualClock): they ring at their time on the wall clock, at once for a time passed, and
// early when cancelled (a drain).
#include "worker/engine_clock.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>

namespace paynotify::worker {
namespace {

namespace net = boost::asio;

boost::asio::awaitable<void> ring(Alarm& alarm, int64_t at_ms, int64_t& rang_at_ms) {
  auto wait = alarm.ring_at(at_ms);
  co_await std::move(wait);
  rang_at_ms = system_now_ms();
}

TEST(SystemClock, AnAlarmRingsAtItsTimeNotBefore) {
  net::io_context ctx;
  const auto alarm = system_clock().alarm(ctx.get_executor());
  const int64_t at = system_clock().now_ms() + 30;
  int64_t rang_at = 0;
  net::co_spawn(ctx, ring(*alarm, at, rang_at), net::detached);
  ctx.run();
  EXPECT_GE(rang_at, at);
  EXPECT_LT(rang_at, at + 5000) << "a 30 ms wait took seconds";
}

TEST(SystemClock, AnAlarmForATimePassedRingsAtOnce) {
  net::io_context ctx;
  const auto alarm = system_clock().alarm(ctx.get_executor());
  const int64_t started = system_clock().now_ms();
  int64_t rang_at = 0;
  net::co_spawn(ctx, ring(*alarm, started - 60000, rang_at), net::detached);
  ctx.run_for(std::chrono::seconds(5));
  EXPECT_GE(rang_at, started);
  EXPECT_LT(rang_at, started + 1000) << "an alarm for a minute ago waited";
}

TEST(SystemClock, ACancelledAlarmRingsAtOnce) {
  net::io_context ctx;
  const auto alarm = system_clock().alarm(ctx.get_executor());
  int64_t rang_at = 0;
  net::co_spawn(ctx, ring(*alarm, system_clock().now_ms() + 3600 * 1000, rang_at), net::detached);
  net::post(ctx, [&] { alarm->cancel(); });  // after the wait began
  ctx.run_for(std::chrono::seconds(5));
  EXPECT_GT(rang_at, 0) << "an hour's alarm was not ended by cancel()";
}

}  // namespace
}  // namespace paynotify::worker
