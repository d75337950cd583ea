#pragma once
// A counting semaphore for coroutines on one io_context thread: bounds how many order-service
// calls run at once (--concurrency) without letting records that merely wait hold a slot.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <memory>

namespace paynotify::worker {

class ApplySlots {
 public:
  explicit ApplySlots(std::size_t slots) : free_(slots) {}

  boost::asio::awaitable<void> acquire() {
    if (free_ > 0) {
      --free_;
      co_return;
    }
    auto waiter = std::make_shared<boost::asio::steady_timer>(
        co_await boost::asio::this_coro::executor, boost::asio::steady_timer::time_point::max());
    waiters_.push_back(waiter);
    co_await waiter->async_wait(
        boost::asio::as_tuple(boost::asio::use_awaitable));  // woken by release()
  }

  // Hands the slot straight to the longest waiter, if any.
  void release() {
    if (waiters_.empty()) {
      ++free_;
      return;
    }
    waiters_.front()->cancel();
    waiters_.pop_front();
  }

  std::size_t waiting() const { return waiters_.size(); }
  bool available() const { return free_ > 0; }  // acquire() would not wait

 private:
  std::size_t free_;
  std::deque<std::shared_ptr<boost::asio::steady_timer>> waiters_;
};

}  // namespace paynotify::worker
