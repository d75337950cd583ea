#include "worker/record_flow.hpp"

#include <algorithm>
#include <cmath>

namespace paynotify::worker {
namespace {

std::string describe_duration(int64_t ms) {
  if (ms >= 3600000) return std::to_string(ms / 3600000) + " h";
  if (ms >= 60000) return std::to_string(ms / 60000) + " min";
  return std::to_string(ms / 1000) + " s";
}

Command finish(RecordState& s, Outcome outcome, ErrorClass error_class = ErrorClass::none) {
  s.phase = Phase::finished;
  s.finish = Finish{outcome, error_class,
                    outcome == Outcome::dead_lettered ? s.pending_divert.error : std::string()};
  return s.finish;
}

Command dead_letter(RecordState& s, ErrorClass error_class, std::string error) {
  s.phase = Phase::dead_lettering;
  s.pending_divert = Divert{Divert::To::dead_letter_topic,
                            s.origin.attempt,
                            0,
                            s.failing_since_ms,
                            error_class,
                            std::move(error)};
  return s.pending_divert;
}

Command claim(const RecordState& s) { return Claim{s.ledger}; }
Command complete(const RecordState& s) { return Complete{s.ledger}; }

// Waits, then runs `again`: a write Redis or Kafka did not take, or a claim to try anew.
Command wait_then(RecordState& s, int64_t at_ms, Command again) {
  s.repeat = std::move(again);
  return WaitUntil{at_ms};
}

bool budget_spent(const RecordState& s, const RetryBudget& b, int64_t now) {
  return s.failing_since_ms > 0 && now - s.failing_since_ms >= b.retry_for_ms;
}

Command on_derived(RecordState& s, const Derived& d) {
  if (!d.has_event) return dead_letter(s, d.why_not, d.error);
  s.phase = Phase::claiming;
  return claim(s);
}

Command on_claimed(RecordState& s, const Claimed& c, const Observation& o, const RetryBudget& b) {
  switch (c.outcome) {
    case ClaimOutcome::claimed:
      s.claimed = true;
      s.waits = 0;
      s.phase = Phase::applying;
      return Apply{};
    case ClaimOutcome::done: return finish(s, Outcome::duplicate);
    case ClaimOutcome::busy:
    case ClaimOutcome::parked:
      // Another worker holds the event, or an earlier event of the payment waits in the retry
      // topic: wait, backing off so that a long wait costs few Redis calls.
      ++s.waits;
      return wait_then(
          s, o.now_ms + backoff_ms(b.wait_base_ms, b.wait_max_ms, s.waits - 1, o.jitter), claim(s));
    case ClaimOutcome::unavailable: return wait_then(s, o.now_ms + b.store_retry_ms, claim(s));
  }
  return wait_then(s, o.now_ms + b.store_retry_ms, claim(s));
}

Command on_applied(RecordState& s, const Applied& a, const Observation& o, const RetryBudget& b) {
  const ErrorClass error_class = classify(a.result);
  if (error_class == ErrorClass::none) {
    s.phase = Phase::completing;
    return complete(s);
  }
  const std::string error = describe(a.result);
  if (error_class == ErrorClass::permanent) return dead_letter(s, error_class, error);
  if (s.failing_since_ms == 0) s.failing_since_ms = o.now_ms;
  ++s.tries;
  if (budget_spent(s, b, o.now_ms)) {
    return dead_letter(s, error_class,
                       "gave up after retrying for " +
                           describe_duration(o.now_ms - s.failing_since_ms) + ": " + error);
  }
  if (s.tries < b.quick_tries) {
    // Claim again before the next try: it renews the lease, so a short lease stays safe.
    s.phase = Phase::claiming;
    return wait_then(
        s, o.now_ms + backoff_ms(b.quick_base_ms, b.quick_max_ms, s.tries - 1, o.jitter), claim(s));
  }
  // Park first, then hand over: the retry may run (and finish) the moment it is durable.
  s.phase = Phase::parking;
  s.pending_divert =
      Divert{Divert::To::retry_topic,
             s.origin.attempt + 1,
             o.now_ms + backoff_ms(b.retry_base_ms, b.retry_max_ms, s.origin.attempt - 1, o.jitter),
             s.failing_since_ms,
             error_class,
             error};
  return Park{};
}

Command on_breaker_refused(RecordState& s, const BreakerRefused& r, const Observation& o,
                           const RetryBudget& b) {
  // The service is failing for everyone: the budget runs, but no try is used up.
  if (s.failing_since_ms == 0) s.failing_since_ms = o.now_ms;
  if (budget_spent(s, b, o.now_ms)) {
    return dead_letter(s, ErrorClass::transient,
                       "gave up after retrying for " +
                           describe_duration(o.now_ms - s.failing_since_ms) +
                           ": order service failing (circuit open)");
  }
  s.phase = Phase::claiming;
  // Spread the wake-ups: a breaker that half-opens lets a few through, not everyone at once.
  const auto spread = static_cast<int64_t>(o.jitter * static_cast<double>(b.wait_max_ms));
  return wait_then(s, std::max(r.retry_at_ms, o.now_ms + 1) + spread, claim(s));
}

// A write (Redis) or a publish (Kafka) that did not take is tried again; nothing moves on
// until it did, because the offset must not be stored before the outcome is recorded.
Command on_written(RecordState& s, bool ok, const Observation& o, const RetryBudget& b) {
  const int64_t again = o.now_ms + b.store_retry_ms;
  switch (s.phase) {
    case Phase::completing:
      return ok ? finish(s, Outcome::applied) : wait_then(s, again, complete(s));
    case Phase::parking:
      if (!ok) return wait_then(s, again, Park{});
      s.phase = Phase::handing_over;
      return s.pending_divert;
    case Phase::handing_over:
      if (!ok) return wait_then(s, again, s.pending_divert);
      s.phase = Phase::releasing;
      return Release{};
    case Phase::releasing:
      // A lease that could not be given back runs out by itself; the retry is durable.
      return finish(s, Outcome::retry_later);
    case Phase::dead_lettering:
      if (!ok) return wait_then(s, again, s.pending_divert);
      if (!s.claimed) return finish(s, Outcome::dead_lettered, s.pending_divert.error_class);
      s.phase = Phase::unparking;
      return Unpark{};
    case Phase::unparking:
      // The parking must go, or the payment's later events would wait for days.
      return ok ? finish(s, Outcome::dead_lettered, s.pending_divert.error_class)
                : wait_then(s, again, Unpark{});
    default: return wait_then(s, again, claim(s));
  }
}

bool is_write_phase(Phase p) {
  return p == Phase::completing || p == Phase::parking || p == Phase::handing_over ||
         p == Phase::releasing || p == Phase::dead_lettering || p == Phase::unparking;
}

// A command that threw becomes the failure its phase knows how to handle.
Command on_fault(RecordState& s, const Faulted& f, const Observation& o, const RetryBudget& b) {
  switch (s.phase) {
    case Phase::starting:
      // Waiting for a retry's not-before went wrong: claim now rather than dead-letter an
      // event whose payment is parked behind it.
      if (s.has_event) {
        s.phase = Phase::claiming;
        return claim(s);
      }
      return dead_letter(s, ErrorClass::invalid_record, "cannot derive an event: " + f.error);
    case Phase::claiming: return on_claimed(s, Claimed{ClaimOutcome::unavailable}, o, b);
    case Phase::applying:
      return on_applied(
          s, Applied{failure(OrderCallError::worker_fault, "worker fault: " + f.error)}, o, b);
    default: return on_written(s, false, o, b);
  }
}

}  // namespace

RecordState initial_state(RecordOrigin origin) {
  RecordState s;
  s.origin = origin;
  s.failing_since_ms = origin.failing_since_ms;
  return s;
}

int64_t backoff_ms(int64_t base, int64_t cap, int exponent, double jitter) {
  const double nominal =
      std::min(static_cast<double>(cap),
               static_cast<double>(base) * std::pow(2.0, std::clamp(exponent, 0, 40)));
  return static_cast<int64_t>(nominal / 2 + nominal / 2 * std::clamp(jitter, 0.0, 1.0));
}

namespace {
Command decide(RecordState& s, const Observation& o, const RetryBudget& b) {
  if (s.phase == Phase::finished) return s.finish;
  if (const auto* f = std::get_if<Faulted>(&o.event)) return on_fault(s, *f, o, b);
  if (std::holds_alternative<TimerFired>(o.event)) {
    if (s.phase == Phase::starting) {
      s.phase = Phase::claiming;  // the retry's not-before has come: the event was derived
      return claim(s);
    }
    if (s.repeat) {
      Command again = std::move(*s.repeat);
      s.repeat.reset();
      return again;
    }
    return on_fault(s, Faulted{"timer fired with nothing to repeat"}, o, b);
  }
  switch (s.phase) {
    case Phase::starting:
      if (const auto* d = std::get_if<Derived>(&o.event)) {
        s.has_event = d->has_event;
        s.ledger = d->ledger;
        if (d->has_event && s.origin.source == Source::retry_topic &&
            s.origin.not_before_ms > o.now_ms) {
          return WaitUntil{s.origin.not_before_ms};  // stays `starting`; TimerFired claims
        }
        return on_derived(s, *d);
      }
      break;
    case Phase::claiming:
      if (const auto* c = std::get_if<Claimed>(&o.event)) return on_claimed(s, *c, o, b);
      break;
    case Phase::applying:
      if (const auto* a = std::get_if<Applied>(&o.event)) return on_applied(s, *a, o, b);
      if (const auto* r = std::get_if<BreakerRefused>(&o.event))
        return on_breaker_refused(s, *r, o, b);
      break;
    default:
      if (is_write_phase(s.phase)) {
        if (const auto* r = std::get_if<Recorded>(&o.event))
          return on_written(s, r->result.has_value(), o, b);
        if (const auto* p = std::get_if<Published>(&o.event))
          return on_written(s, p->result.has_value(), o, b);
      }
      break;
  }
  return on_fault(s, Faulted{"unexpected observation in phase " + std::string(phase_name(s.phase))},
                  o, b);
}
}  // namespace

Command next(RecordState& s, const Observation& o, const RetryBudget& b) {
  Command command = decide(s, o, b);
  const bool starts_something = std::holds_alternative<WaitUntil>(command) ||
                                std::holds_alternative<Claim>(command) ||
                                std::holds_alternative<Apply>(command);
  if (o.draining && starts_something) return finish(s, Outcome::given_up);
  return command;
}

std::string_view command_name(const Command& c) {
  static_assert(std::variant_size_v<Command> == 9, "name every command");
  static constexpr std::string_view kNames[] = {
      "claim", "apply", "complete", "park", "release", "unpark", "divert", "wait_until", "finish"};
  return kNames[c.index()];
}

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::starting: return "starting";
    case Phase::claiming: return "claiming";
    case Phase::applying: return "applying";
    case Phase::completing: return "completing";
    case Phase::parking: return "parking";
    case Phase::handing_over: return "handing_over";
    case Phase::releasing: return "releasing";
    case Phase::dead_lettering: return "dead_lettering";
    case Phase::unparking: return "unparking";
    case Phase::finished: return "finished";
  }
  return "unknown";
}

}  // namespace paynotify::worker
