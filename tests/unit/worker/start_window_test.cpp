#include "worker/start_window.hpp"

#include <gtest/gtest.h>

namespace paynotify::worker {
namespace {

TEST(StartWindow, StartsUpToItsSizeInOrderAndMakesRoomForEachThatStepsOut) {
  StartWindow<int> window(2);
  for (int i = 1; i <= 4; ++i) window.push(i);
  EXPECT_EQ(window.next(), 1);
  EXPECT_EQ(window.next(), 2);
  EXPECT_EQ(window.next(), std::nullopt) << "two run: the window is full";
  window.stepped_out();  // one finished, or waits on a timer
  EXPECT_EQ(window.next(), 3);
  window.stepped_in();  // the waiting one is back: three run for now
  EXPECT_EQ(window.running(), 3u);
  window.stepped_out();
  EXPECT_EQ(window.next(), std::nullopt) << "back to two running, the window is still full";
  window.stepped_out();
  EXPECT_EQ(window.next(), 4);
  EXPECT_EQ(window.waiting(), 0u);
}

TEST(StartWindow, AClearShowsEachItemNotStarted) {
  StartWindow<int> window(1);
  for (int i = 1; i <= 3; ++i) window.push(i);
  EXPECT_EQ(window.next(), 1);
  int sum = 0;
  EXPECT_EQ(window.clear([&sum](int i) { sum += i; }), 2u);
  EXPECT_EQ(sum, 5);
  EXPECT_EQ(window.waiting(), 0u);
}

}  // namespace
}  // namespace paynotify::worker
