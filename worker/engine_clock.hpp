#pragma once
// The engine's time: a clock in epoch ms, and alarms that ring when it reads a given time.
// Every wait of the engine (backoffs, an open breaker, a parked claim, the lease renewer's
// rounds) is an alarm on this clock, never real time directly, so that engine tests hand it a
// clock they move on by hand and run hours of retries without sleeping
// (tests/support/manual_clock.hpp). The system clock arms Asio's steady timer for the difference.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <memory>

namespace paynotify::worker {

// The wall clock in epoch ms, as the engine's parts read it.
using Clock = std::function<int64_t()>;
int64_t system_now_ms();

// One wait at a time, on the thread of the executor it was made for.
class Alarm {
 public:
  virtual ~Alarm() = default;
  // Completes once the clock reads `at_ms` (at once, on a later turn, when it already does), or
  // sooner after cancel(): the waiter reads the clock again either way.
  virtual boost::asio::awaitable<void> ring_at(int64_t at_ms) = 0;
  virtual void cancel() = 0;
};

class EngineClock {
 public:
  virtual ~EngineClock() = default;
  virtual int64_t now_ms() = 0;  // any thread
  virtual std::unique_ptr<Alarm> alarm(boost::asio::any_io_executor executor) = 0;
  Clock reader() {
    return [this] { return now_ms(); };
  }
};

// The wall clock, with alarms on Asio's steady timer.
EngineClock& system_clock();

}  // namespace paynotify::worker
