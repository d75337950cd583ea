#pragma once
// How many records are driven at once. A started record holds its coroutine frames, its order
// request and its ledger, about ten times its Kafka bytes; a few batches of claims ahead of the
// order-service slots keep those busy, and more only cost memory. The others wait here as they
// were consumed, first in first out (each is the next of its payment: PaymentLanes).
// A record that waits on a timer steps out of the window meanwhile, so that payments parked
// behind their retries, or calls backing off, never hold up the rest.

#include <cstddef>
#include <deque>
#include <optional>

namespace paynotify::worker {

template <typename Item>
class StartWindow {
 public:
  explicit StartWindow(std::size_t size) : size_(size) {}

  void push(Item item) { ready_.push_back(std::move(item)); }
  // The next item to start, counted as running; nothing while the window is full.
  std::optional<Item> next() {
    if (running_ >= size_ || ready_.empty()) return std::nullopt;
    Item item = std::move(ready_.front());
    ready_.pop_front();
    ++running_;
    return item;
  }
  void stepped_out() { --running_; }  // finished, or waiting on a timer
  void stepped_in() { ++running_; }   // done waiting

  // Drops every item not started (a drain), each shown to `dropped` first; returns how many.
  template <typename Dropped>
  std::size_t clear(Dropped&& dropped) {
    for (const Item& item : ready_) dropped(item);
    const std::size_t count = ready_.size();
    ready_.clear();
    return count;
  }

  std::size_t running() const { return running_; }
  std::size_t waiting() const { return ready_.size(); }

 private:
  std::size_t size_;
  std::size_t running_ = 0;
  std::deque<Item> ready_;
};

}  // namespace paynotify::worker
