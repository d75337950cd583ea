#pragma once
// "Order-service answer + attempts so far -> what next": the retry and dead-letter decision
// table of DESIGN.md's order-service contract, as a pure function.

#include <cstdint>
#include <string>

namespace paynotify::worker {

// What one call to the order service came to.
struct ApplyResult {
  unsigned status = 0;    // HTTP status; 0 when there was no answer
  std::string transport;  // "timeout", "connection refused", ... when status is 0
  std::string body;       // first bytes of the answer, for the dead-letter reason
};

enum class ErrorClass { none, transient, not_found, permanent, invalid_record, unsupported_kind };
std::string_view error_class_name(ErrorClass c);

ErrorClass classify(const ApplyResult& r);

struct RetryPolicy {
  int in_process_attempts = 3;     // quick tries before handing the event to the retry topic
  int64_t in_process_base_ms = 100;
  int64_t in_process_max_ms = 1000;
  int max_attempts = 6;            // rounds (each: the quick tries) before dead-lettering
  int64_t retry_topic_base_ms = 2000;
  int64_t retry_topic_max_ms = 600000;
};

enum class Action { applied, retry_now, retry_topic, dead_letter };

struct NextStep {
  Action action = Action::applied;
  int64_t delay_ms = 0;  // retry_now: wait this long; retry_topic: not-before = now + this
  ErrorClass error_class = ErrorClass::none;
  std::string error;
};

// try_in_round: 1-based try within this round; round: 1-based (the `attempt` header).
// jitter: a number in [0, 1) from the caller, so the function stays deterministic.
NextStep next_step(const ApplyResult& result, int try_in_round, int round, const RetryPolicy& policy,
                   double jitter);

}  // namespace paynotify::worker
