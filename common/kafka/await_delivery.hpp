#pragma once
// Publishing from a coroutine: publish, then suspend until the delivery report (posted back to
// the coroutine's executor) or the timeout, whichever comes first.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <mutex>

#include "common/kafka/publisher.hpp"

namespace paynotify {

// Delivery reports arrive on the producer's thread and are posted to the waiting coroutine's
// executor; closing the gate before that executor's context is destroyed keeps them out.
struct DeliveryGate {
  std::mutex mu;
  bool open = true;
  void close() {
    std::lock_guard lock(mu);
    open = false;
  }
};

// The executor running the coroutine must be single-threaded (one io_context per thread).
boost::asio::awaitable<DeliveryResult> publish_and_wait(Publisher& publisher, OutgoingRecord record,
                                                        std::chrono::milliseconds timeout,
                                                        std::shared_ptr<DeliveryGate> gate);

}  // namespace paynotify
