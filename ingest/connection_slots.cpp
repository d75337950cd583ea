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
      Entry* slowest = nullptr;
      double slowest_bytes = 0, slowest_seconds = 0;
      Clock::rep slowest_since = 0;
      for (auto& [id, e] : entered_) {
        if (!e.reading_.load(std::memory_order_acquire)) continue;
        const Clock::rep since = e.since_.load(std::memory_order_relaxed);
        const double bytes = static_cast<double>(e.bytes_.load(std::memory_order_relaxed));
        const double seconds =
            std::chrono::duration<double>(now - Clock::time_point(Clock::duration(since))).count();
        const double left = bytes * slowest_seconds, right = slowest_bytes * seconds;
        if (slowest == nullptr || left < right || (left == right && since < slowest_since)) {
          slowest = &e;
          slowest_bytes = bytes;
          slowest_seconds = seconds;
          slowest_since = since;
        }
      }
      if (slowest == nullptr) return Admission::refused_full;
      close = slowest->close_;  // a copy: the connection keeps its entry until it leaves
      slowest->reading_.store(false, std::memory_order_relaxed);
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

ConnectionSlots::Entry* ConnectionSlots::enter(std::function<void()> close) {
  std::lock_guard lock(mu_);
  const uint64_t id = next_id_++;
  Entry& entry = entered_[id];
  entry.id_ = id;
  entry.close_ = std::move(close);
  return &entry;
}

void ConnectionSlots::leave(Entry* entry) {
  std::lock_guard lock(mu_);
  entered_.erase(entry->id_);
}

void ConnectionSlots::start_reading(Entry* entry, Clock::time_point now) {
  entry->bytes_.store(0, std::memory_order_relaxed);
  entry->since_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  entry->reading_.store(true, std::memory_order_release);
}

void ConnectionSlots::progress(Entry* entry, std::size_t bytes_so_far) {
  entry->bytes_.store(bytes_so_far, std::memory_order_relaxed);
}

void ConnectionSlots::done_reading(Entry* entry) {
  entry->reading_.store(false, std::memory_order_relaxed);
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
