#pragma once
// In-memory stand-ins for the worker's seams — OrderClient, Publisher; the stores are in
// in_memory_store.hpp — so that engine tests drive the real WorkerEngine through failures on
// demand: an order service that fails or throws, a store that is down, a publisher that refuses.

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/kafka/publisher.hpp"
#include "worker/engine_clock.hpp"
#include "worker/order_client.hpp"

namespace paynotify::testing {

// The order service: answers with what `answer` returns for each call (default 200), counting
// every call per idempotency key. A call takes `delay` on `clock` (a test's clock: engine tests).
class FakeOrderService final : public worker::OrderClient {
 public:
  explicit FakeOrderService(worker::EngineClock& clock = worker::system_clock()) : clock_(clock) {}
  boost::asio::awaitable<worker::ApplyResult> apply(worker::SharedOrderCall call) override;

  // Called on the engine's thread with the call number (1-based, across all keys); may throw.
  std::function<worker::ApplyResult(const worker::OrderCall&, int)> answer;
  std::chrono::milliseconds delay{0};  // how long each call takes
  int calls() const;
  int calls_for(const std::string& key) const;

 private:
  worker::EngineClock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, int> per_key_;
  int calls_ = 0;
};

// Records what was published; `refuse` makes deliveries fail (reported, never lost silently).
class RecordingPublisher final : public Publisher {
 public:
  void publish(OutgoingRecord record, DeliveryCallback on_delivery) override;

  std::atomic<bool> refuse{false};
  std::atomic<int> refused{0};
  std::vector<OutgoingRecord> published(const std::string& topic) const;

 private:
  mutable std::mutex mu_;
  std::vector<OutgoingRecord> records_;
};

}  // namespace paynotify::testing
