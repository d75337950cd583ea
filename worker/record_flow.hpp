#pragma once
// The life of one consumed record as a pure state machine: next(state, observation) -> command.
// It holds every decision of the worker — claim outcomes, the retry budget, the order
// park -> hand over -> release, dead-lettering — and no I/O: the driver (WorkerEngine) runs
// each command against Redis, the order service, Kafka or a timer and feeds back what it saw.
// Every path ends in Finish, after which the record's offset may be stored.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "common/kafka/publisher.hpp"
#include "worker/apply_result.hpp"
#include "worker/store/dedupe_store.hpp"

namespace paynotify::worker {

enum class Source { main_topic, retry_topic };

// What the record carries from earlier rounds (the retry topic's headers).
struct RecordOrigin {
  Source source = Source::main_topic;
  int attempt = 1;               // rounds so far, counting this one
  int64_t failing_since_ms = 0;  // first failed call to the order service; 0: none yet
  int64_t not_before_ms = 0;     // a retry-topic record runs no earlier than this
};

// ---- observations: what the driver saw when it ran the last command
struct Derived {
  bool has_event = false;
  ErrorClass why_not = ErrorClass::none;  // invalid_record, unsupported_kind, unsigned, stale
  std::string error;
  bool ledger = false;  // the payment's ledger follows this event
};
struct Claimed {
  ClaimOutcome outcome{};
};
struct Applied {
  ApplyResult result;
};
struct BreakerRefused {  // the circuit breaker held the call back (the service keeps failing)
  int64_t retry_at_ms = 0;
};
struct Recorded {  // Complete, Park, Release, Unpark
  StoreResult<void> result;
};
struct Published {  // Divert
  DeliveryResult result;
};
struct TimerFired {};
struct Faulted {  // the command threw: a bug or an exhausted resource, never a reason to wedge
  std::string error;
};
using Event = std::variant<Derived, Claimed, Applied, BreakerRefused, Recorded, Published,
                           TimerFired, Faulted>;

struct Observation {
  Event event;
  int64_t now_ms = 0;
  double jitter = 0.5;    // uniform in [0, 1), from the driver, so next() stays deterministic
  bool draining = false;  // the worker stops (SIGTERM): nothing new is started
};

// ---- commands: what the driver runs next
struct Claim {
  bool with_ledger = false;  // read the payment's ledger in the same round trip
};
struct Apply {};
struct Complete {
  bool with_ledger = false;  // mark the event done and write the ledger in one step
};
struct Park {};
struct Release {};  // give the lease back; the payment stays parked behind the retry
struct Unpark {};   // give the lease back and lift the payment's parking
struct Divert {
  enum class To { retry_topic, dead_letter_topic } to = To::dead_letter_topic;
  int attempt = 1;
  int64_t not_before_ms = 0;
  int64_t failing_since_ms = 0;
  ErrorClass error_class = ErrorClass::none;
  std::string error;
};
struct WaitUntil {
  int64_t at_ms = 0;
};
// given_up: the worker is draining; the offset is not stored, so the record comes back to
// whoever owns the partition next.
enum class Outcome { applied, duplicate, retry_later, dead_lettered, given_up };
struct Finish {
  Outcome outcome{};
  ErrorClass error_class = ErrorClass::none;  // dead_lettered: why
  std::string error;                          // dead_lettered: the reason, as in the record
};
using Command =
    std::variant<Claim, Apply, Complete, Park, Release, Unpark, Divert, WaitUntil, Finish>;

std::string_view command_name(const Command& c);

struct RetryBudget {
  int quick_tries = 3;          // order-service calls per round before the retry topic
  int64_t quick_base_ms = 100;  // backoff between quick tries, doubling
  int64_t quick_max_ms = 1000;
  int64_t retry_base_ms = 2000;  // retry-topic delay, doubling per round
  int64_t retry_max_ms = 15 * 60 * 1000;
  int64_t retry_for_ms = 48LL * 3600 * 1000;  // from the first failure; then dead-letter
  int64_t wait_base_ms = 250;                 // claim busy or parked: wait, doubling ...
  int64_t wait_max_ms = 5000;                 // ... up to this
  int64_t store_retry_ms = 500;  // Redis or Kafka did not take a write: try again after
};

enum class Phase {
  starting,  // awaiting Derived (or the retry's not-before)
  claiming,  // Claim issued, or waiting to issue it again
  applying,
  completing,
  parking,
  handing_over,  // Divert to the retry topic
  releasing,
  dead_lettering,  // Divert to the dead-letter topic
  unparking,
  finished,
};
std::string_view phase_name(Phase p);

struct RecordState {
  RecordOrigin origin;
  Phase phase = Phase::starting;
  bool has_event = false;  // an event was derived (a retry waiting for its not-before)
  bool ledger = false;     // the payment's ledger follows the event
  bool claimed = false;    // this record's event holds (or held) a lease
  int tries = 0;           // order-service calls this round
  int waits = 0;           // busy/parked claims in a row
  int64_t failing_since_ms = 0;
  std::optional<Command> repeat;  // the write to run again when the timer fires
  Divert pending_divert;          // what is being published, kept for a repeat
  Finish finish;                  // set once finished
};

RecordState initial_state(RecordOrigin origin);

// The whole decision table. Pure: same state and observation, same command. While draining, a
// record that would now wait, claim or call is given up; writes under way (the completion, a
// parking, a hand-over, a dead-letter) are finished first.
Command next(RecordState& state, const Observation& observation, const RetryBudget& budget);

// Exponential backoff with "equal jitter": half fixed, half random, never sooner than half.
int64_t backoff_ms(int64_t base, int64_t cap, int exponent, double jitter);

}  // namespace paynotify::worker
