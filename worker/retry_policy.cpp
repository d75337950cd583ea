#include "worker/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace paynotify::worker {
namespace {

// Exponential backoff with "equal jitter": half fixed, half random, so retries spread out
// but never come back sooner than half the nominal delay.
int64_t backoff_ms(int64_t base, int64_t cap, int exponent, double jitter) {
  const double nominal = std::min(static_cast<double>(cap), static_cast<double>(base) * std::pow(2.0, exponent));
  return static_cast<int64_t>(nominal / 2 + nominal / 2 * jitter);
}

std::string describe(const ApplyResult& r) {
  if (r.status == 0) return "order service unreachable: " + r.transport;
  std::string s = "order service answered " + std::to_string(r.status);
  if (!r.body.empty()) s += ": " + r.body.substr(0, 200);
  return s;
}

}  // namespace

std::string_view error_class_name(ErrorClass c) {
  switch (c) {
    case ErrorClass::none: return "none";
    case ErrorClass::transient: return "transient";
    case ErrorClass::not_found: return "not_found";
    case ErrorClass::permanent: return "permanent";
    case ErrorClass::invalid_record: return "invalid_record";
    case ErrorClass::unsupported_kind: return "unsupported_kind";
  }
  return "unknown";
}

ErrorClass classify(const ApplyResult& r) {
  if ((r.status >= 200 && r.status < 300) || r.status == 409) return ErrorClass::none;
  if (r.status == 404) return ErrorClass::not_found;  // the order write may not have landed yet
  if (r.status >= 400 && r.status < 500 && r.status != 408 && r.status != 429) return ErrorClass::permanent;
  return ErrorClass::transient;  // 5xx, 408, 429, timeouts, refused connections
}

NextStep next_step(const ApplyResult& result, int try_in_round, int round, const RetryPolicy& p, double jitter) {
  NextStep step;
  step.error_class = classify(result);
  if (step.error_class == ErrorClass::none) return step;
  step.error = describe(result);
  if (step.error_class == ErrorClass::permanent) {
    step.action = Action::dead_letter;
    return step;
  }
  if (try_in_round < p.in_process_attempts) {
    step.action = Action::retry_now;
    step.delay_ms = backoff_ms(p.in_process_base_ms, p.in_process_max_ms, try_in_round - 1, jitter);
    return step;
  }
  if (round >= p.max_attempts) {
    step.action = Action::dead_letter;
    step.error = "gave up after " + std::to_string(round) + " rounds: " + step.error;
    return step;
  }
  step.action = Action::retry_topic;
  step.delay_ms = backoff_ms(p.retry_topic_base_ms, p.retry_topic_max_ms, round - 1, jitter);
  return step;
}

}  // namespace paynotify::worker
