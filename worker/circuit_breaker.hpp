#pragma once
// Backs the whole worker off an order service that keeps failing: after `failures_to_open`
// transient failures in a row, calls are held back (the records wait, none is spent) and only
// `probes` calls at a time go through once the open period ends; one success closes it, a
// failed probe opens it again for twice as long, up to `open_max_ms`. Pure: time is passed in.

#include <cstdint>
#include <optional>

namespace paynotify::worker {

struct BreakerSettings {
  int failures_to_open = 10;
  int64_t open_base_ms = 1000;
  int64_t open_max_ms = 30000;
  int probes = 2;
};

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };

  explicit CircuitBreaker(BreakerSettings settings) : settings_(settings) {}

  // nullopt: make the call now and report it with on_result; else: not before this time.
  std::optional<int64_t> admit(int64_t now_ms);
  // service_failed: a transient failure (5xx, timeout, refused). Any other answer means the
  // service is up, whatever it thought of the event.
  void on_result(bool service_failed, int64_t now_ms);

  State state() const { return state_; }
  int64_t open_until_ms() const { return open_until_ms_; }

 private:
  void open(int64_t now_ms);

  BreakerSettings settings_;
  State state_ = State::closed;
  int failures_in_a_row_ = 0;
  int times_opened_ = 0;  // since it last closed: each failed probe doubles the open period
  int probes_in_flight_ = 0;
  int64_t open_until_ms_ = 0;
};

}  // namespace paynotify::worker
