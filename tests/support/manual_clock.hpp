#pragma once
// The engine's clock for tests: it reads what the test set and moves only when the test moves
// it, ringing the alarms it passes. A test runs backoffs, open breakers and lease renewals in
// no time, and can tell when the engine only waits (every record on an alarm) instead of
// sleeping for a guessed while.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "worker/engine_clock.hpp"

namespace paynotify::testing {

class ManualClock final : public worker::EngineClock {
 public:
  explicit ManualClock(int64_t start_ms) : now_ms_(start_ms) {}

  int64_t now_ms() override;
  std::unique_ptr<worker::Alarm> alarm(boost::asio::any_io_executor executor) override;

  // Any thread: moves the clock on and rings the alarms it passes (on their executors).
  void advance(std::chrono::milliseconds by);
  // Moves the clock to the earliest alarm set, but not past `limit_ms`, and rings what is due.
  void advance_to_next_alarm(int64_t limit_ms);
  std::size_t alarms_set() const;  // set and not rung yet

 private:
  class ManualAlarm;
  struct Setting {
    int64_t at_ms;
    ManualAlarm* alarm;
    bool rung = false;
  };
  void move_to(int64_t now_ms);
  uint64_t set(ManualAlarm* alarm, int64_t at_ms);  // 0: due already
  void forget(uint64_t id);

  mutable std::mutex mu_;
  int64_t now_ms_;
  uint64_t last_id_ = 0;
  std::map<uint64_t, Setting> settings_;  // by id; an id is never used twice
};

}  // namespace paynotify::testing
