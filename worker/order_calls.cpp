#include "worker/order_calls.hpp"

#include <algorithm>

namespace paynotify::worker {

// Listed for the lease renewer from the moment a claimed record asks for a slot: one that waits
// for a slot holds its lease as long as one whose call is under way.
class OrderCalls::Listed {
 public:
  Listed(OrderCalls& calls, const ListedCall& call) : calls_(calls), call_(call) {
    calls_.listed_.push_back(&call_);
  }
  ~Listed() {
    // A few hundred at most: the start window's 4 x --concurrency records.
    if (!calls_.torn_down_) std::erase(calls_.listed_, &call_);
  }
  Listed(const Listed&) = delete;
  Listed& operator=(const Listed&) = delete;

 private:
  OrderCalls& calls_;
  const ListedCall& call_;
};

// Counted in paynotify_worker_order_calls_waiting while it waits for a slot, however the wait
// ends.
class OrderCalls::QueuedForSlot {
 public:
  explicit QueuedForSlot(OrderCalls& calls) : calls_(calls), queued_(!calls.slots_.available()) {
    if (queued_) calls_.metrics_.calls_waiting.Increment();
  }
  ~QueuedForSlot() {
    if (queued_ && !calls_.torn_down_) calls_.metrics_.calls_waiting.Decrement();
  }
  QueuedForSlot(const QueuedForSlot&) = delete;
  QueuedForSlot& operator=(const QueuedForSlot&) = delete;

 private:
  OrderCalls& calls_;
  bool queued_;
};

// Gives the slot and the breaker's count back however a call ends.
class OrderCalls::Accounting {
 public:
  explicit Accounting(OrderCalls& calls) : calls_(calls) {}
  ~Accounting() {
    if (calls_.torn_down_) return;
    calls_.slots_.release();
    calls_.breaker_.on_result(service_failed_, calls_.clock_());
    calls_.breaker_state_.store(calls_.breaker_.state());
  }
  Accounting(const Accounting&) = delete;
  Accounting& operator=(const Accounting&) = delete;
  void answered(ErrorClass c) { service_failed_ = service_failing(c); }

 private:
  OrderCalls& calls_;
  bool service_failed_ = true;  // a call that threw counts against the service
};

OrderCalls::OrderCalls(OrderClient& orders, BreakerSettings breaker, std::size_t concurrency,
                       WorkerMetrics& metrics, Clock clock)
    : orders_(orders),
      metrics_(metrics),
      clock_(std::move(clock)),
      slots_(concurrency),
      breaker_(breaker) {}

boost::asio::awaitable<Event> OrderCalls::call(SharedOrderCall call, EventKey key,
                                               std::string owner) {
  const ListedCall waiting{std::move(key), std::move(owner), renewal_round_};
  const Listed listed(*this, waiting);
  // The slot first, then the breaker: a record that queued for a slot while the service was
  // still up asks again when its turn comes, so an opened breaker holds back the queue too.
  {
    const QueuedForSlot queued(*this);
    auto slot = slots_.acquire();
    co_await std::move(slot);
  }
  if (const auto retry_at = breaker_.admit(clock_())) {
    slots_.release();
    metrics_.breaker_refusals.Increment();
    breaker_state_.store(breaker_.state());
    co_return BreakerRefused{*retry_at};
  }
  Accounting accounting(*this);
  const auto started = std::chrono::steady_clock::now();
  auto answer = orders_.apply(std::move(call));
  ApplyResult result = co_await std::move(answer);
  metrics_.order_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  const ErrorClass error_class = classify(result);
  accounting.answered(error_class);
  if (call_retried(error_class)) metrics_.retried.Increment();
  if (error_class != ErrorClass::none) {
    if (const auto admitted = failure_log_.admit(std::chrono::steady_clock::now()); admitted.log) {
      log_event(spdlog::level::warn, "order_call_failed",
                {{"eventId", waiting.key.event_id},
                 {"errorClass", error_class_name(error_class)},
                 {"error", describe(result)},
                 {"notLogged", admitted.dropped_before}});
    }
  }
  co_return Applied{std::move(result)};
}

std::vector<std::pair<EventKey, std::string>> OrderCalls::due_for_renewal() {
  std::vector<std::pair<EventKey, std::string>> out;
  for (const ListedCall* c : listed_) {
    if (c->renewal_round < renewal_round_) out.emplace_back(c->key, c->owner);
  }
  ++renewal_round_;
  return out;
}

}  // namespace paynotify::worker
