#include "worker/retry_policy.hpp"

#include <gtest/gtest.h>

namespace paynotify::worker {
namespace {

const RetryPolicy kPolicy{3, 100, 1000, 4, 2000, 600000};

TEST(RetryPolicy, TheContractsDecisionTable) {
  struct Case { ApplyResult result; int try_in_round; int round; Action action; ErrorClass error_class; };
  const std::vector<Case> cases = {
      {{200, "", ""}, 1, 1, Action::applied, ErrorClass::none},
      {{204, "", ""}, 1, 1, Action::applied, ErrorClass::none},
      {{409, "", ""}, 1, 1, Action::applied, ErrorClass::none},          // already applied
      {{503, "", ""}, 1, 1, Action::retry_now, ErrorClass::transient},
      {{0, "timeout", ""}, 2, 1, Action::retry_now, ErrorClass::transient},
      {{0, "connection refused", ""}, 3, 1, Action::retry_topic, ErrorClass::transient},
      {{404, "", ""}, 1, 1, Action::retry_now, ErrorClass::not_found},  // the order may land later
      {{404, "", ""}, 3, 2, Action::retry_topic, ErrorClass::not_found},
      {{429, "", ""}, 1, 1, Action::retry_now, ErrorClass::transient},
      {{422, "", "bad"}, 1, 1, Action::dead_letter, ErrorClass::permanent},
      {{400, "", ""}, 1, 3, Action::dead_letter, ErrorClass::permanent},
      {{500, "", ""}, 3, 4, Action::dead_letter, ErrorClass::transient},  // out of rounds
  };
  for (const auto& c : cases) {
    const auto step = next_step(c.result, c.try_in_round, c.round, kPolicy, 0.5);
    EXPECT_EQ(step.action, c.action) << c.result.status << " try " << c.try_in_round << " round " << c.round;
    EXPECT_EQ(step.error_class, c.error_class) << c.result.status;
  }
}

TEST(RetryPolicy, BackoffGrowsWithJitterAndCaps) {
  const ApplyResult failed{503, "", ""};
  EXPECT_EQ(next_step(failed, 1, 1, kPolicy, 0.0).delay_ms, 50);    // half of 100
  EXPECT_EQ(next_step(failed, 1, 1, kPolicy, 0.999).delay_ms, 99);
  EXPECT_EQ(next_step(failed, 2, 1, kPolicy, 0.0).delay_ms, 100);   // half of 200
  EXPECT_EQ(next_step(failed, 3, 1, kPolicy, 0.0).delay_ms, 1000);  // retry topic: half of 2000
  EXPECT_EQ(next_step(failed, 3, 3, kPolicy, 0.0).delay_ms, 4000);  // half of 8000
  RetryPolicy capped = kPolicy;
  capped.max_attempts = 100;
  EXPECT_EQ(next_step(failed, 3, 50, capped, 1.0).delay_ms, 600000);
}

TEST(RetryPolicy, DeadLetterReasonSaysWhatTheServiceAnswered) {
  const auto step = next_step({422, "", R"({"error":"currency mismatch"})"}, 1, 1, kPolicy, 0);
  EXPECT_NE(step.error.find("422"), std::string::npos);
  EXPECT_NE(step.error.find("currency mismatch"), std::string::npos);
  const auto gave_up = next_step({0, "timeout", ""}, 3, 4, kPolicy, 0);
  EXPECT_NE(gave_up.error.find("gave up after 4 rounds"), std::string::npos);
  EXPECT_NE(gave_up.error.find("timeout"), std::string::npos);
}

}  // namespace
}  // namespace paynotify::worker
