#include "worker/engine_clock.hpp"

#include "common/antom/request_time.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

namespace paynotify::worker {

namespace net = boost::asio;

int64_t system_now_ms() { return epoch_now_ms(); }

namespace {

// Armed for the time left when the wait begins: a step of the wall clock meanwhile (NTP) moves
// no alarm already set.
class SteadyAlarm final : public Alarm {
 public:
  explicit SteadyAlarm(net::any_io_executor executor) : timer_(std::move(executor)) {}

  net::awaitable<void> ring_at(int64_t at_ms) override {
    timer_.expires_after(std::chrono::milliseconds(std::max<int64_t>(0, at_ms - system_now_ms())));
    auto wait = timer_.async_wait(net::as_tuple(net::use_awaitable));
    co_await std::move(wait);
  }
  void cancel() override { timer_.cancel(); }

 private:
  net::steady_timer timer_;
};

class SystemClock final : public EngineClock {
 public:
  int64_t now_ms() override { return system_now_ms(); }
  std::unique_ptr<Alarm> alarm(net::any_io_executor executor) override {
    return std::make_unique<SteadyAlarm>(std::move(executor));
  }
};

}  // namespace

EngineClock& system_clock() {
  static SystemClock clock;
  return clock;
}

}  // namespace paynotify::worker
