// record_flow's decision table, row by row: one (phase, observation) -> command each, then the
// whole paths a record takes, with the clock and the jitter given by the test.
#include "worker/record_flow.hpp"

#include <gtest/gtest.h>

#include <random>

namespace paynotify::worker {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000;
constexpr int64_t kHour = 3'600'000;

RetryBudget budget() {
  RetryBudget b;  // the defaults: 3 quick tries, 2 s .. 15 min retry topic, 48 h
  return b;
}

Observation at(int64_t now, Event e, double jitter = 0.5) {
  return Observation{std::move(e), now, jitter};
}

ApplyResult answer(unsigned status) {  // 0: no answer
  if (status == 0) return failure(OrderCallError::unreachable, "connection refused");
  return OrderAnswer{status};
}

// A record of the main topic driven to `phase` along the usual path.
RecordState in_phase(Phase phase, RecordOrigin origin = {}) {
  RecordState s = initial_state(origin);
  const auto b = budget();
  next(s, at(kT0, Derived{true, ErrorClass::none, {}}), b);
  if (phase == Phase::claiming) return s;
  next(s, at(kT0, Claimed{ClaimOutcome::claimed}), b);
  if (phase == Phase::applying) return s;
  if (phase == Phase::completing) {
    next(s, at(kT0, Applied{answer(200)}), b);
    return s;
  }
  if (phase == Phase::dead_lettering || phase == Phase::unparking) {
    next(s, at(kT0, Applied{answer(422)}), b);
    if (phase == Phase::unparking) next(s, at(kT0, Published{RecordWritten{0, 1}}), b);
    return s;
  }
  for (int i = 0; i < b.quick_tries; ++i) {
    next(s, at(kT0, Applied{answer(503)}), b);
    if (s.phase == Phase::parking) break;
    next(s, at(kT0, TimerFired{}), b);
    next(s, at(kT0, Claimed{ClaimOutcome::claimed}), b);
  }
  if (phase == Phase::parking) return s;
  next(s, at(kT0, Recorded{}), b);
  if (phase == Phase::handing_over) return s;
  next(s, at(kT0, Published{RecordWritten{0, 1}}), b);
  return s;  // releasing
}

template <typename C>
bool is(const Command& c) {
  return std::holds_alternative<C>(c);
}

struct Row {
  std::string name;
  Phase phase;
  Event seen;
  std::string command;  // command_name of what next() must return
  Phase phase_after;
};

void PrintTo(const Row& r, std::ostream* os) { *os << r.name; }

class DecisionTable : public ::testing::TestWithParam<Row> {};

TEST_P(DecisionTable, EveryRow) {
  const Row& row = GetParam();
  RecordState s = in_phase(row.phase);
  ASSERT_EQ(s.phase, row.phase) << "setup";
  const Command c = next(s, at(kT0 + 1000, row.seen), budget());
  EXPECT_EQ(command_name(c), row.command);
  EXPECT_EQ(phase_name(s.phase), phase_name(row.phase_after));
}

INSTANTIATE_TEST_SUITE_P(
    Rows, DecisionTable,
    ::testing::Values(
        Row{"claimed_applies", Phase::claiming, Claimed{ClaimOutcome::claimed}, "apply",
            Phase::applying},
        Row{"done_is_a_duplicate", Phase::claiming, Claimed{ClaimOutcome::done}, "finish",
            Phase::finished},
        Row{"busy_waits", Phase::claiming, Claimed{ClaimOutcome::busy}, "wait_until",
            Phase::claiming},
        Row{"parked_waits", Phase::claiming, Claimed{ClaimOutcome::parked}, "wait_until",
            Phase::claiming},
        Row{"store_down_waits", Phase::claiming, Claimed{ClaimOutcome::unavailable}, "wait_until",
            Phase::claiming},
        Row{"claim_fault_waits", Phase::claiming, Faulted{"boom"}, "wait_until", Phase::claiming},
        Row{"2xx_completes", Phase::applying, Applied{answer(201)}, "complete", Phase::completing},
        Row{"409_completes", Phase::applying, Applied{answer(409)}, "complete", Phase::completing},
        Row{"503_retries_soon", Phase::applying, Applied{answer(503)}, "wait_until",
            Phase::claiming},
        Row{"404_retries_soon", Phase::applying, Applied{answer(404)}, "wait_until",
            Phase::claiming},
        Row{"no_answer_retries_soon", Phase::applying, Applied{answer(0)}, "wait_until",
            Phase::claiming},
        Row{"422_dead_letters", Phase::applying, Applied{answer(422)}, "divert",
            Phase::dead_lettering},
        Row{"apply_fault_is_a_failed_call", Phase::applying, Faulted{"bad_alloc"}, "wait_until",
            Phase::claiming},
        Row{"breaker_holds_back", Phase::applying, BreakerRefused{kT0 + 5000}, "wait_until",
            Phase::claiming},
        Row{"completed_finishes", Phase::completing, Recorded{}, "finish", Phase::finished},
        Row{"complete_not_taken_waits", Phase::completing, Recorded{StoreError::unavailable},
            "wait_until", Phase::completing},
        Row{"complete_fault_waits", Phase::completing, Faulted{"x"}, "wait_until",
            Phase::completing},
        Row{"parked_hands_over", Phase::parking, Recorded{}, "divert", Phase::handing_over},
        Row{"park_not_taken_waits", Phase::parking, Recorded{StoreError::unavailable}, "wait_until",
            Phase::parking},
        Row{"handed_over_releases", Phase::handing_over, Published{RecordWritten{0, 1}}, "release",
            Phase::releasing},
        Row{"hand_over_refused_waits", Phase::handing_over,
            Published{failure(DeliveryError::no_report)}, "wait_until", Phase::handing_over},
        Row{"released_finishes", Phase::releasing, Recorded{}, "finish", Phase::finished},
        Row{"release_not_taken_finishes_anyway", Phase::releasing,
            Recorded{StoreError::unavailable}, "finish", Phase::finished},
        Row{"dead_lettered_unparks", Phase::dead_lettering, Published{RecordWritten{0, 1}},
            "unpark", Phase::unparking},
        Row{"dead_letter_refused_waits", Phase::dead_lettering,
            Published{failure(DeliveryError::not_written)}, "wait_until", Phase::dead_lettering},
        Row{"unparked_finishes", Phase::unparking, Recorded{}, "finish", Phase::finished},
        Row{"unpark_not_taken_waits", Phase::unparking, Recorded{StoreError::unavailable},
            "wait_until", Phase::unparking},
        Row{"unexpected_observation_is_a_fault", Phase::completing, Claimed{ClaimOutcome::done},
            "wait_until", Phase::completing}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(RecordFlow, ARecordWithoutAnEventIsDeadLetteredWithItsClassAndNothingToUnpark) {
  RecordState s = initial_state({});
  const Command c = next(
      s, at(kT0, Derived{false, ErrorClass::unsupported_kind, "kind VAULTING is not modelled"}),
      budget());
  ASSERT_TRUE(is<Divert>(c));
  EXPECT_EQ(std::get<Divert>(c).to, Divert::To::dead_letter_topic);
  EXPECT_EQ(std::get<Divert>(c).error_class, ErrorClass::unsupported_kind);
  const Command done = next(s, at(kT0, Published{RecordWritten{0, 1}}), budget());
  ASSERT_TRUE(is<Finish>(done));
  EXPECT_EQ(std::get<Finish>(done).outcome, Outcome::dead_lettered);
  EXPECT_EQ(std::get<Finish>(done).error_class, ErrorClass::unsupported_kind);
}

TEST(RecordFlow, QuickTriesBackOffThenTheRetryTopicCarriesAttemptFailingSinceAndNotBefore) {
  RecordState s = in_phase(Phase::applying);
  const auto b = budget();
  // Try 1 fails at T0: wait 50..100 ms (jitter 0 -> half), renew the claim, try again.
  Command c = next(s, at(kT0, Applied{answer(503)}, 0.0), b);
  ASSERT_TRUE(is<WaitUntil>(c));
  EXPECT_EQ(std::get<WaitUntil>(c).at_ms, kT0 + 50);
  EXPECT_TRUE(is<Claim>(next(s, at(kT0 + 50, TimerFired{}), b)));
  EXPECT_TRUE(is<Apply>(next(s, at(kT0 + 50, Claimed{ClaimOutcome::claimed}), b)));
  c = next(s, at(kT0 + 60, Applied{answer(503)}, 0.0), b);
  EXPECT_EQ(std::get<WaitUntil>(c).at_ms, kT0 + 60 + 100);
  next(s, at(kT0 + 160, TimerFired{}), b);
  next(s, at(kT0 + 160, Claimed{ClaimOutcome::claimed}), b);
  // Third failure: park first, then the retry topic.
  EXPECT_TRUE(is<Park>(next(s, at(kT0 + 200, Applied{answer(0)}, 0.0), b)));
  c = next(s, at(kT0 + 210, Recorded{}), b);
  ASSERT_TRUE(is<Divert>(c));
  const Divert d = std::get<Divert>(c);
  EXPECT_EQ(d.to, Divert::To::retry_topic);
  EXPECT_EQ(d.attempt, 2);
  EXPECT_EQ(d.failing_since_ms, kT0);
  EXPECT_EQ(d.not_before_ms, kT0 + 200 + 1000);  // retry_base 2 s, equal jitter 0 -> 1 s
  EXPECT_EQ(d.error_class, ErrorClass::transient);
  EXPECT_NE(d.error.find("unreachable"), std::string::npos);
}

TEST(RecordFlow, RetryTopicDelaysDoubleUpToTheCap) {
  const auto b = budget();
  std::vector<int64_t> delays;
  for (int attempt = 1; attempt <= 12; ++attempt) {
    RecordState s = in_phase(Phase::applying, RecordOrigin{Source::retry_topic, attempt, kT0, 0});
    Command c;
    for (int i = 0; i < b.quick_tries; ++i) {
      c = next(s, at(kT0 + kHour, Applied{answer(503)}, 1.0), b);
      if (!is<Park>(c)) {
        next(s, at(kT0 + kHour, TimerFired{}), b);
        next(s, at(kT0 + kHour, Claimed{ClaimOutcome::claimed}), b);
      }
    }
    ASSERT_TRUE(is<Park>(c)) << attempt;
    const Divert d = std::get<Divert>(next(s, at(kT0 + kHour, Recorded{}), b));
    EXPECT_EQ(d.attempt, attempt + 1);
    EXPECT_EQ(d.failing_since_ms, kT0) << "the budget runs from the first failure, across rounds";
    delays.push_back(d.not_before_ms - (kT0 + kHour));
  }
  EXPECT_EQ(delays.front(), 2000);
  EXPECT_EQ(delays[1], 4000);
  EXPECT_EQ(delays.back(), 15 * 60 * 1000);
}

TEST(RecordFlow, TheBudgetEndsInTheDeadLetterTopicWithTheReasonAndLiftsTheParking) {
  const auto b = budget();
  RecordState s = in_phase(Phase::applying, RecordOrigin{Source::retry_topic, 40, kT0, kT0});
  // 47 h 59 min after the first failure: still retried.
  Command c = next(s, at(kT0 + 48 * kHour - 60000, Applied{answer(503)}), b);
  EXPECT_TRUE(is<WaitUntil>(c));
  next(s, at(kT0 + 48 * kHour, TimerFired{}), b);
  next(s, at(kT0 + 48 * kHour, Claimed{ClaimOutcome::claimed}), b);
  c = next(s, at(kT0 + 48 * kHour, Applied{answer(503)}), b);
  ASSERT_TRUE(is<Divert>(c));
  const Divert d = std::get<Divert>(c);
  EXPECT_EQ(d.to, Divert::To::dead_letter_topic);
  EXPECT_EQ(d.error_class, ErrorClass::transient);
  EXPECT_NE(d.error.find("gave up after retrying for 48 h"), std::string::npos) << d.error;
  EXPECT_NE(d.error.find("503"), std::string::npos) << d.error;
  EXPECT_TRUE(is<Unpark>(next(s, at(kT0 + 48 * kHour, Published{RecordWritten{0, 1}}), b)));
}

TEST(RecordFlow, AnOpenBreakerSpendsNoTriesButTheBudgetRuns) {
  auto b = budget();
  RecordState s = in_phase(Phase::applying);
  for (int i = 0; i < 10; ++i) {
    const Command c = next(s, at(kT0 + i * 1000, BreakerRefused{kT0 + i * 1000 + 500}, 0.0), b);
    ASSERT_TRUE(is<WaitUntil>(c));
    EXPECT_EQ(std::get<WaitUntil>(c).at_ms, kT0 + i * 1000 + 500);
    EXPECT_TRUE(is<Claim>(next(s, at(kT0 + i * 1000 + 500, TimerFired{}), b)));
    EXPECT_TRUE(is<Apply>(next(s, at(kT0 + i * 1000 + 500, Claimed{ClaimOutcome::claimed}), b)));
  }
  EXPECT_EQ(s.tries, 0);
  EXPECT_EQ(s.failing_since_ms, kT0);
  b.retry_for_ms = 5000;
  const Command c = next(s, at(kT0 + 20000, BreakerRefused{kT0 + 21000}), b);
  ASSERT_TRUE(is<Divert>(c));
  EXPECT_NE(std::get<Divert>(c).error.find("circuit open"), std::string::npos);
}

TEST(RecordFlow, ParkedClaimsBackOffUpToTheCap) {
  const auto b = budget();
  RecordState s = in_phase(Phase::claiming);
  std::vector<int64_t> waits;
  for (int i = 0; i < 8; ++i) {
    const Command c = next(s, at(kT0, Claimed{ClaimOutcome::parked}, 1.0), b);
    waits.push_back(std::get<WaitUntil>(c).at_ms - kT0);
    EXPECT_TRUE(is<Claim>(next(s, at(kT0, TimerFired{}), b)));
  }
  EXPECT_EQ(waits.front(), 250);
  EXPECT_EQ(waits[1], 500);
  EXPECT_EQ(waits.back(), 5000);
}

TEST(RecordFlow, ARetryRecordWaitsForItsNotBeforeThenClaims) {
  RecordState s = initial_state(RecordOrigin{Source::retry_topic, 2, kT0, kT0 + 9000});
  const Command c = next(s, at(kT0 + 1000, Derived{true, ErrorClass::none, {}}), budget());
  ASSERT_TRUE(is<WaitUntil>(c));
  EXPECT_EQ(std::get<WaitUntil>(c).at_ms, kT0 + 9000);
  EXPECT_TRUE(is<Claim>(next(s, at(kT0 + 9000, TimerFired{}), budget())));
}

TEST(RecordFlow, AFaultWhileDerivingIsDeadLetteredNotStuck) {
  RecordState s = initial_state({});
  const Command c = next(s, at(kT0, Faulted{"std::bad_alloc"}), budget());
  ASSERT_TRUE(is<Divert>(c));
  EXPECT_EQ(std::get<Divert>(c).error_class, ErrorClass::invalid_record);
}

TEST(RecordFlow, AFinishedRecordStaysFinished) {
  RecordState s = in_phase(Phase::completing);
  const Command done = next(s, at(kT0, Recorded{}), budget());
  ASSERT_TRUE(is<Finish>(done));
  EXPECT_EQ(std::get<Finish>(done).outcome, Outcome::applied);
  EXPECT_TRUE(is<Finish>(next(s, at(kT0, Faulted{"late"}), budget())));
}

Observation draining(int64_t now, Event e) {
  Observation o = at(now, std::move(e));
  o.draining = true;
  return o;
}

TEST(RecordFlow, DrainingGivesUpWhatWouldWaitClaimOrCallButFinishesAWriteUnderWay) {
  const auto b = budget();
  RecordState fresh = initial_state({});
  const Command c = next(fresh, draining(kT0, Derived{true, ErrorClass::none, {}}), b);
  ASSERT_TRUE(is<Finish>(c));  // it would claim
  EXPECT_EQ(std::get<Finish>(c).outcome, Outcome::given_up);

  RecordState claiming = in_phase(Phase::claiming);
  const Command busy = next(claiming, draining(kT0, Claimed{ClaimOutcome::busy}), b);
  ASSERT_TRUE(is<Finish>(busy));  // it would wait
  EXPECT_EQ(std::get<Finish>(busy).outcome, Outcome::given_up);

  RecordState applying = in_phase(Phase::applying);
  EXPECT_TRUE(is<Complete>(next(applying, draining(kT0, Applied{answer(200)}), b)));
  const Command done = next(applying, draining(kT0, Recorded{}), b);
  ASSERT_TRUE(is<Finish>(done));
  EXPECT_EQ(std::get<Finish>(done).outcome, Outcome::applied);

  // A failed call still parks and hands over: the retry must be durable before the offset moves.
  RecordState failing = in_phase(Phase::applying);
  for (int i = 0; i + 1 < b.quick_tries; ++i) {
    next(failing, at(kT0, Applied{answer(503)}), b);
    next(failing, at(kT0, TimerFired{}), b);
    next(failing, at(kT0, Claimed{ClaimOutcome::claimed}), b);
  }
  EXPECT_TRUE(is<Park>(next(failing, draining(kT0, Applied{answer(503)}), b)));
  EXPECT_TRUE(is<Divert>(next(failing, draining(kT0, Recorded{}), b)));
  const Command unwritten = next(
      failing, draining(kT0, Published{failure(DeliveryError::not_written, "broker down")}), b);
  ASSERT_TRUE(is<Finish>(unwritten));  // it would wait to publish again: given up, offset kept
  EXPECT_EQ(std::get<Finish>(unwritten).outcome, Outcome::given_up);
}

TEST(RecordFlow, AnEventTheLedgerFollowsClaimsAndCompletesWithTheLedger) {
  const auto b = budget();
  for (const bool ledger : {false, true}) {
    RecordState s = initial_state({});
    const Command claim = next(s, at(kT0, Derived{true, ErrorClass::none, {}, ledger}), b);
    ASSERT_TRUE(is<Claim>(claim));
    EXPECT_EQ(std::get<Claim>(claim).with_ledger, ledger);
    next(s, at(kT0, Claimed{ClaimOutcome::claimed}), b);
    const Command complete = next(s, at(kT0, Applied{answer(200)}), b);
    ASSERT_TRUE(is<Complete>(complete));
    EXPECT_EQ(std::get<Complete>(complete).with_ledger, ledger);
  }
}

TEST(RecordFlow, ADeadLetterFinishCarriesItsReason) {
  RecordState s = in_phase(Phase::applying);
  next(s, at(kT0, Applied{OrderAnswer{422, "amount mismatch"}}), budget());
  next(s, at(kT0, Published{RecordWritten{0, 1}}), budget());
  const Command done = next(s, at(kT0, Recorded{}), budget());
  ASSERT_TRUE(is<Finish>(done));
  EXPECT_EQ(std::get<Finish>(done).error_class, ErrorClass::permanent);
  EXPECT_NE(std::get<Finish>(done).error.find("422"), std::string::npos)
      << std::get<Finish>(done).error;
}

TEST(RecordFlow, EveryPathEndsInFinishWhateverTheWorldAnswers) {
  // Random observations, well typed or not: the machine never gets stuck without a command
  // and, once the world answers well, reaches Finish within a bounded number of steps.
  std::mt19937_64 rng(11);
  const auto b = budget();
  for (int run = 0; run < 2000; ++run) {
    RecordState s = initial_state({});
    int64_t now = kT0;
    Command c = next(s, at(now, Derived{rng() % 5 != 0, ErrorClass::invalid_record, "x"}), b);
    int steps = 0;
    for (; !is<Finish>(c) && steps < 500; ++steps) {
      now += 100;
      const bool chaos = steps < 40;
      Event e;
      if (is<Claim>(c))
        e = chaos && rng() % 3 == 0 ? Event{Claimed{ClaimOutcome::parked}}
                                    : Event{Claimed{ClaimOutcome::claimed}};
      else if (is<Apply>(c))
        e = chaos && rng() % 2 == 0 ? Event{Applied{answer(503)}} : Event{Applied{answer(200)}};
      else if (is<WaitUntil>(c))
        e = TimerFired{};
      else if (is<Divert>(c))
        e = !chaos || rng() % 2 == 0 ? Published{RecordWritten{0, 1}}
                                     : Published{failure(DeliveryError::not_written)};
      else
        e = !chaos || rng() % 2 == 0 ? Recorded{} : Recorded{StoreError::unavailable};
      if (chaos && rng() % 10 == 0) e = Faulted{"injected"};
      c = next(s, at(now, e, static_cast<double>(rng() % 1000) / 1000.0), b);
    }
    ASSERT_TRUE(is<Finish>(c)) << "run " << run << " stuck in " << phase_name(s.phase);
  }
}

}  // namespace
}  // namespace paynotify::worker
