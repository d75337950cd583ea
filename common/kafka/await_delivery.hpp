#pragma once
// Publishing from a coroutine: publish, then suspend until the delivery report (handed to the
// coroutine's executor through its DeliveryInbox) or the timeout, whichever comes first.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <variant>
#include <vector>

#include "common/kafka/publisher.hpp"

namespace paynotify {

// The delivery reports for the coroutines of one single-threaded executor (one io_context per
// thread). Reports arrive on the producer's thread, several at once (a produce request carries
// many records): they queue here and one posted drain per batch hands them over, instead of a
// post each (an allocation, and often a wake-up of the executor's thread).
class DeliveryInbox : public std::enable_shared_from_this<DeliveryInbox> {
 public:
  explicit DeliveryInbox(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  const boost::asio::any_io_executor& executor() const { return executor_; }

  // Before the executor's context is destroyed: reports that come later are dropped.
  void close();

  struct Waiter;  // one publish waiting: its timer and, once reported, its result
  // On the producer's thread.
  void deliver(std::shared_ptr<Waiter> waiter, const DeliveryResult& result);
  // Posted drains so far: reports arriving together share one.
  uint64_t drains() const { return drains_.load(); }

 private:
  using Report = std::pair<std::shared_ptr<Waiter>, DeliveryResult>;
  void drain();  // on the executor

  boost::asio::any_io_executor executor_;
  std::mutex mu_;
  bool open_ = true;
  bool drain_posted_ = false;
  std::vector<Report> arrived_;       // under mu_
  std::vector<Report> handing_over_;  // the executor's own: reused, a drain allocates nothing
  std::atomic<uint64_t> drains_{0};
};

// Runs on the inbox's executor. A record of views goes through Publisher::publish_view; like
// every awaitable this starts when awaited, not when called, so what the views show must last
// until the co_await.
boost::asio::awaitable<DeliveryResult> publish_and_wait(
    Publisher& publisher, std::variant<OutgoingRecord, RecordView> record,
    std::chrono::milliseconds timeout, std::shared_ptr<DeliveryInbox> inbox);

}  // namespace paynotify
