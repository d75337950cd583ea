#include "tests/chaos/traffic.hpp"

#include <deque>
#include <random>

#include "tests/support/notifications.hpp"

namespace paynotify::chaos {

Traffic make_traffic(std::size_t notifications, double resend_share, uint64_t seed,
                     const std::string& run) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  Traffic t;
  // Payments in progress, each with what it still has to report, in its own order.
  std::vector<std::deque<std::string>> open;
  std::size_t payments = 0;
  while (t.notifications.size() < notifications) {
    if (open.size() < 64 || chance(rng) < 0.05) {
      const std::string id = run + "-" + std::to_string(payments++);
      std::deque<std::string> story{testing::payment_result_body(id)};
      if (chance(rng) < 0.85) story.push_back(testing::capture_result_body(id, "cap-" + id));
      if (chance(rng) < 0.10) story.push_back(testing::dispute_created_body(id, "dsp-" + id));
      open.push_back(std::move(story));
    }
    auto& story = open[std::uniform_int_distribution<std::size_t>(0, open.size() - 1)(rng)];
    t.notifications.push_back(std::move(story.front()));
    story.pop_front();
    t.sends.push_back(t.notifications.size() - 1);
    if (chance(rng) < resend_share) {
      t.sends.push_back(
          std::uniform_int_distribution<std::size_t>(0, t.notifications.size() - 1)(rng));
    }
    if (story.empty()) {
      std::swap(story, open.back());
      open.pop_back();
    }
  }
  return t;
}

}  // namespace paynotify::chaos
