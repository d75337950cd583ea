#include "worker/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace paynotify::worker {
namespace {

TEST(CircuitBreaker, OpensAfterFailuresInARowThenProbesThenCloses) {
  CircuitBreaker b(BreakerSettings{3, 1000, 8000, 2});
  for (int i = 0; i < 2; ++i) {
    ASSERT_FALSE(b.admit(0));
    b.on_result(true, 0);
  }
  b.on_result(false, 0);  // a success in between: the count starts over
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(b.admit(10));
    b.on_result(true, 10);
  }
  EXPECT_EQ(b.state(), CircuitBreaker::State::open);
  EXPECT_EQ(b.admit(500), 1010);  // held back until the open period ends
  // Half-open: two probes go, the third waits.
  EXPECT_FALSE(b.admit(1010));
  EXPECT_FALSE(b.admit(1010));
  EXPECT_TRUE(b.admit(1010));
  EXPECT_EQ(b.state(), CircuitBreaker::State::half_open);
  b.on_result(false, 1100);
  EXPECT_EQ(b.state(), CircuitBreaker::State::closed);
  EXPECT_FALSE(b.admit(1100));
}

TEST(CircuitBreaker, AFailedProbeOpensItForTwiceAsLongUpToTheCap) {
  CircuitBreaker b(BreakerSettings{1, 1000, 4000, 1});
  b.on_result(true, 0);
  std::vector<int64_t> periods;
  int64_t now = 0;
  for (int i = 0; i < 5; ++i) {
    now = b.open_until_ms();
    periods.push_back(now);
    ASSERT_FALSE(b.admit(now));  // the probe
    b.on_result(true, now);      // fails
  }
  EXPECT_EQ(b.open_until_ms() - now, 4000);
  EXPECT_EQ(periods[0], 1000);
  EXPECT_EQ(periods[1] - periods[0], 2000);
}

TEST(CircuitBreaker, AnswersThatAreNotServiceFailuresKeepItClosed) {
  CircuitBreaker b(BreakerSettings{2, 1000, 8000, 1});
  for (int i = 0; i < 100; ++i) {
    ASSERT_FALSE(b.admit(i));
    b.on_result(false, i);  // 2xx, 404, 422: the service is up
  }
  EXPECT_EQ(b.state(), CircuitBreaker::State::closed);
}

}  // namespace
}  // namespace paynotify::worker
