#pragma once
// Records of one partition finish out of order (different payments run concurrently), but an
// offset may be stored only when every record before it is finished. This tracks that.

#include <cstdint>
#include <map>
#include <optional>

namespace paynotify::worker {

class OffsetTracker {
 public:
  void begin(int64_t offset) { pending_.emplace(offset, false); }

  // Marks `offset` finished. Returns the offset to store (last contiguous finished + 1) when it
  // moved forward, as librdkafka's offsets_store expects.
  std::optional<int64_t> finish(int64_t offset) {
    const auto it = pending_.find(offset);
    if (it == pending_.end()) return std::nullopt;
    it->second = true;
    std::optional<int64_t> store;
    while (!pending_.empty() && pending_.begin()->second) {
      store = pending_.begin()->first + 1;
      pending_.erase(pending_.begin());
    }
    return store;
  }

  std::size_t in_flight() const { return pending_.size(); }

 private:
  std::map<int64_t, bool> pending_;  // offset -> finished
};

}  // namespace paynotify::worker
