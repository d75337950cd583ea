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
      Entered* slowest = nullptr;
      for (auto& [id, e] : entered_) {
        if (!e.reading) continue;
        if (slowest == nullptr) {
          slowest = &e;
          continue;
        }
        const double te = std::chrono::duration<double>(now - e.since).count();
        const double ts = std::chrono::duration<double>(now - slowest->since).count();
        const double left = static_cast<double>(e.bytes) * ts,
                     right = static_cast<double>(slowest->bytes) * te;
        if (left < right || (left == right && e.since < slowest->since)) slowest = &e;
      }
      if (slowest == nullptr) return Admission::refused_full;
      close = slowest->close;  // a copy: the connection keeps its entry until it leaves
      slowest->reading = false;
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

uint64_t ConnectionSlots::enter(std::function<void()> close) {
  std::lock_guard lock(mu_);
  const uint64_t id = next_id_++;
  entered_.emplace(id, Entered{false, {}, 0, std::move(close)});
  return id;
}

void ConnectionSlots::leave(uint64_t id) {
  std::lock_guard lock(mu_);
  entered_.erase(id);
}

void ConnectionSlots::start_reading(uint64_t id, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (const auto it = entered_.find(id); it != entered_.end()) {
    it->second.reading = true;
    it->second.since = now;
    it->second.bytes = 0;
  }
}

void ConnectionSlots::progress(uint64_t id, std::size_t bytes_so_far) {
  std::lock_guard lock(mu_);
  if (const auto it = entered_.find(id); it != entered_.end()) it->second.bytes = bytes_so_far;
}

void ConnectionSlots::done_reading(uint64_t id) {
  std::lock_guard lock(mu_);
  if (const auto it = entered_.find(id); it != entered_.end()) it->second.reading = false;
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
