#include "ingest/connection_slots.hpp"

#include <algorithm>

namespace paynotify::ingest {

ConnectionSlots::ConnectionSlots(int max_connections, int max_per_source)
    : max_connections_(max_connections), max_per_source_(max_per_source) {}

ConnectionSlots::Admission ConnectionSlots::admit(const std::string& source,
                                                  Clock::time_point now) {
  Admission admission = Admission::admitted;
  std::function<void()> close;
  {
    std::lock_guard lock(mu_);
    if (const auto it = per_source_.find(source);
        max_per_source_ > 0 && it != per_source_.end() && it->second >= max_per_source_) {
      return Admission::refused_source;
    }
    if (open_ >= max_connections_) {
      // The slowest reader: fewest bytes per second since its request began (b1/t1 < b2/t2
      // compared as b1*t2 < b2*t1), the longest waiting among equals.
      const auto slowest =
          std::min_element(reading_.begin(), reading_.end(), [&](const auto& a, const auto& b) {
            const double ta = std::chrono::duration<double>(now - a.second.since).count();
            const double tb = std::chrono::duration<double>(now - b.second.since).count();
            const double left = static_cast<double>(a.second.bytes) * tb,
                         right = static_cast<double>(b.second.bytes) * ta;
            return left < right || (left == right && a.second.since < b.second.since);
          });
      if (slowest == reading_.end()) return Admission::refused_full;
      close = std::move(slowest->second.close);
      reading_.erase(slowest);
      admission = Admission::admitted_evicting;
    }
    ++open_;
    ++per_source_[source];
  }
  if (close) close();
  return admission;
}

void ConnectionSlots::release(const std::string& source) {
  std::lock_guard lock(mu_);
  --open_;
  if (const auto it = per_source_.find(source); it != per_source_.end() && --it->second <= 0)
    per_source_.erase(it);
}

uint64_t ConnectionSlots::start_reading(Clock::time_point now, std::function<void()> close) {
  std::lock_guard lock(mu_);
  const uint64_t id = next_id_++;
  reading_.emplace(id, Reading{now, 0, std::move(close)});
  return id;
}

void ConnectionSlots::progress(uint64_t id, std::size_t bytes_so_far) {
  std::lock_guard lock(mu_);
  if (const auto it = reading_.find(id); it != reading_.end()) it->second.bytes = bytes_so_far;
}

void ConnectionSlots::done_reading(uint64_t id) {
  std::lock_guard lock(mu_);
  reading_.erase(id);
}

int ConnectionSlots::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

ConnectionSlots::Clock::time_point ConnectionSlots::next_bytes_due(Clock::time_point started,
                                                                   std::size_t received,
                                                                   std::size_t min_bytes_per_s,
                                                                   std::chrono::milliseconds grace,
                                                                   Clock::time_point deadline) {
  if (min_bytes_per_s == 0) return deadline;
  const auto earned =
      std::chrono::microseconds(static_cast<int64_t>((received + 1) * 1'000'000 / min_bytes_per_s));
  return std::min(deadline, started + grace + earned);
}

}  // namespace paynotify::ingest
