#include "tests/support/manual_clock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>

namespace paynotify::testing {

namespace net = boost::asio;

// A steady timer that never expires by itself: the clock cancels it when it rings, as
// begin_drain() does; the waiter cannot tell the two apart and reads the clock either way.
class ManualClock::ManualAlarm final : public worker::Alarm {
 public:
  ManualAlarm(ManualClock& clock, const net::any_io_executor& executor)
      : clock_(clock), executor_(executor), timer_(executor) {}
  ~ManualAlarm() override { clock_.forget(id_); }

  net::awaitable<void> ring_at(int64_t at_ms) override {
    id_ = clock_.set(this, at_ms);
    timer_.expires_at(id_ == 0 ? net::steady_timer::time_point::min()
                               : net::steady_timer::time_point::max());
    auto wait = timer_.async_wait(net::as_tuple(net::use_awaitable));
    co_await std::move(wait);
    clock_.forget(std::exchange(id_, 0));
  }
  void cancel() override { timer_.cancel(); }
  const net::any_io_executor& executor() const { return executor_; }

 private:
  ManualClock& clock_;
  const net::any_io_executor executor_;  // read by the clock from the test's thread
  net::steady_timer timer_;
  uint64_t id_ = 0;
};

int64_t ManualClock::now_ms() {
  std::lock_guard lock(mu_);
  return now_ms_;
}

std::unique_ptr<worker::Alarm> ManualClock::alarm(net::any_io_executor executor) {
  return std::make_unique<ManualAlarm>(*this, executor);
}

void ManualClock::advance(std::chrono::milliseconds by) { move_to(now_ms() + by.count()); }

void ManualClock::advance_to_next_alarm(int64_t limit_ms) {
  int64_t next = limit_ms;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : settings_) {
      if (!s.rung) next = std::min(next, s.at_ms);
    }
  }
  move_to(std::max(next, now_ms()));
}

std::size_t ManualClock::alarms_set() const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(std::count_if(settings_.begin(), settings_.end(),
                                                [](const auto& s) { return !s.second.rung; }));
}

void ManualClock::move_to(int64_t now_ms) {
  std::lock_guard lock(mu_);
  now_ms_ = now_ms;
  for (auto& [id, s] : settings_) {
    if (s.rung || s.at_ms > now_ms_) continue;
    s.rung = true;
    // The alarm lives on its executor's thread: rung there, if it still waits by then.
    net::post(s.alarm->executor(), [this, id = id] {
      std::lock_guard inner(mu_);
      if (const auto it = settings_.find(id); it != settings_.end()) it->second.alarm->cancel();
    });
  }
}

uint64_t ManualClock::set(ManualAlarm* alarm, int64_t at_ms) {
  std::lock_guard lock(mu_);
  if (at_ms <= now_ms_) return 0;
  settings_.emplace(++last_id_, Setting{at_ms, alarm});
  return last_id_;
}

void ManualClock::forget(uint64_t id) {
  std::lock_guard lock(mu_);
  settings_.erase(id);
}

}  // namespace paynotify::testing
