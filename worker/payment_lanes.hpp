#pragma once
// Per-payment ordering inside one worker: records with the same key run one at a time in the
// order they were consumed; records of other keys run meanwhile.

#include <list>
#include <optional>
#include <string>
#include <unordered_map>

namespace paynotify::worker {

template <typename Item>
class PaymentLanes {
 public:
  // Returns the item back when its lane was idle (run it now); otherwise it waits its turn.
  std::optional<Item> enqueue(const std::string& key, Item item) {
    auto& lane = lanes_[key];
    if (!lane.busy) {
      lane.busy = true;
      return item;
    }
    lane.waiting.push_back(std::move(item));
    ++waiting_;
    return std::nullopt;
  }

  // The running item of `key` finished: the next one of that lane, if any, runs now.
  std::optional<Item> finish(const std::string& key) {
    const auto it = lanes_.find(key);
    if (it == lanes_.end()) return std::nullopt;
    auto& lane = it->second;
    if (lane.waiting.empty()) {
      lanes_.erase(it);
      return std::nullopt;
    }
    Item next = std::move(lane.waiting.front());
    lane.waiting.pop_front();
    --waiting_;
    return next;
  }

  // Drops every waiting item (a drain), each shown to `dropped` first; returns how many.
  template <typename Dropped>
  std::size_t clear(Dropped&& dropped) {
    for (const auto& [key, lane] : lanes_) {
      for (const Item& item : lane.waiting) dropped(item);
    }
    const std::size_t count = waiting_;
    lanes_.clear();
    waiting_ = 0;
    return count;
  }
  std::size_t clear() {
    return clear([](const Item&) {});
  }

  std::size_t active_lanes() const { return lanes_.size(); }
  std::size_t waiting() const { return waiting_; }

 private:
  struct Lane {
    bool busy = false;
    // A list, not a deque: most lanes never hold a waiting item, and an empty std::deque
    // allocates its first block (512 bytes) anyway, once per record.
    std::list<Item> waiting;
  };
  std::unordered_map<std::string, Lane> lanes_;
  std::size_t waiting_ = 0;
};

}  // namespace paynotify::worker
