#pragma once
// The order service as the engine calls it: at most --concurrency calls at once, held back by
// the circuit breaker while the service keeps failing, timed, and listed while waiting for a
// slot or under way, so that the lease renewer keeps the claimed event's lease alive however
// long either takes. Runs on the engine's thread.

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/service/log.hpp"
#include "worker/apply_slots.hpp"
#include "worker/circuit_breaker.hpp"
#include "worker/order_client.hpp"
#include "worker/record_flow.hpp"
#include "worker/store/dedupe_store.hpp"
#include "worker/worker_metrics.hpp"

namespace paynotify::worker {

class OrderCalls {
 public:
  using Clock = std::function<int64_t()>;  // epoch ms
  OrderCalls(OrderClient& orders, BreakerSettings breaker, std::size_t concurrency,
             WorkerMetrics& metrics, Clock clock);

  // Applied, or BreakerRefused when the breaker holds the call back.
  boost::asio::awaitable<Event> call(SharedOrderCall call, EventKey key, std::string owner);

  // The events of the calls already waiting or under way at the last renewal round, with their
  // lease owners; begins the next round. Counted in rounds, not read off a clock, so that a step of
  // the wall clock never delays a renewal (lease_renewal.hpp).
  std::vector<std::pair<EventKey, std::string>> due_for_renewal();

  CircuitBreaker::State breaker_state() const { return breaker_state_.load(); }  // any thread
  // Coroutine frames destroyed with the io_context after the engine stopped must not touch
  // the slots or the breaker any more.
  void tear_down() { torn_down_ = true; }

 private:
  struct ListedCall {
    EventKey key;
    std::string owner;
    uint64_t renewal_round;  // listed at
  };
  class Listed;         // lists a call for the lease renewer until it ends
  class QueuedForSlot;  // counts a call while it waits for a slot
  class Accounting;     // gives the slot and the breaker's count back however a call ends

  OrderClient& orders_;
  WorkerMetrics& metrics_;
  Clock clock_;
  ApplySlots slots_;
  CircuitBreaker breaker_;
  std::vector<const ListedCall*> listed_;  // each lives in its call's frame
  uint64_t renewal_round_ = 0;
  LogRateLimit failure_log_{1, 5};  // a failing service fails every call
  bool torn_down_ = false;
  std::atomic<CircuitBreaker::State> breaker_state_{CircuitBreaker::State::closed};
};

}  // namespace paynotify::worker
