#include "worker/circuit_breaker.hpp"

#include <algorithm>

namespace paynotify::worker {

std::optional<int64_t> CircuitBreaker::admit(int64_t now_ms) {
  if (state_ == State::open) {
    if (now_ms < open_until_ms_) return open_until_ms_;
    state_ = State::half_open;
    probes_in_flight_ = 0;
  }
  if (state_ == State::half_open) {
    // Probes out: the others come back when the probes could have answered.
    if (probes_in_flight_ >= settings_.probes) return now_ms + settings_.open_base_ms;
    ++probes_in_flight_;
  }
  return std::nullopt;
}

void CircuitBreaker::on_result(bool service_failed, int64_t now_ms) {
  if (!service_failed) {
    state_ = State::closed;
    failures_in_a_row_ = 0;
    times_opened_ = 0;
    probes_in_flight_ = 0;
    return;
  }
  switch (state_) {
    case State::closed:
      if (++failures_in_a_row_ >= settings_.failures_to_open) open(now_ms);
      break;
    case State::half_open:
      open(now_ms);  // a probe failed
      break;
    case State::open: break;  // calls admitted before it opened are still answering
  }
}

void CircuitBreaker::open(int64_t now_ms) {
  const int64_t period =
      std::min(settings_.open_max_ms, settings_.open_base_ms << std::min(times_opened_, 20));
  ++times_opened_;
  state_ = State::open;
  probes_in_flight_ = 0;
  open_until_ms_ = now_ms + period;
}

}  // namespace paynotify::worker
