#pragma once
// The age of the oldest event now waiting for a retry, from its first failure: the gauge to
// alert on well before --retry-for runs out. Fed by the engine's thread, read by the admin
// thread.

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace paynotify::worker {

class RetryAgeWatch {
 public:
  // An event in the retry topic comes by at least once per round; one not seen for
  // forget_after_ms was taken over by another worker (or finished there).
  explicit RetryAgeWatch(int64_t forget_after_ms) : forget_after_ms_(forget_after_ms) {}

  void failing(const std::string& event_id, int64_t failing_since_ms, int64_t now_ms) {
    if (failing_since_ms <= 0 || event_id.empty()) return;
    std::lock_guard lock(mu_);
    waiting_[event_id] = Watch{failing_since_ms, now_ms};
  }

  void settled(const std::string& event_id) {
    std::lock_guard lock(mu_);
    waiting_.erase(event_id);
  }

  double oldest_age_s(int64_t now_ms) {
    std::lock_guard lock(mu_);
    std::erase_if(waiting_,
                  [&](const auto& e) { return now_ms - e.second.last_seen_ms > forget_after_ms_; });
    int64_t oldest = now_ms;
    for (const auto& [id, watch] : waiting_) oldest = std::min(oldest, watch.failing_since_ms);
    return static_cast<double>(now_ms - oldest) / 1000.0;
  }

 private:
  struct Watch {
    int64_t failing_since_ms;
    int64_t last_seen_ms;
  };
  const int64_t forget_after_ms_;
  std::mutex mu_;
  std::map<std::string, Watch> waiting_;
};

}  // namespace paynotify::worker
