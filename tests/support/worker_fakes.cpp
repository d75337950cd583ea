#include "tests/support/worker_fakes.hpp"

#include <boost/asio/this_coro.hpp>

namespace paynotify::testing {

boost::asio::awaitable<worker::ApplyResult> FakeOrderService::apply(worker::SharedOrderCall call) {
  int n = 0;
  {
    std::lock_guard lock(mu_);
    n = ++calls_;
    ++per_key_[call->idempotency_key];
  }
  // Answer on a later turn of the executor (after `delay`), as a real call would.
  const auto alarm = clock_.alarm(co_await boost::asio::this_coro::executor);
  auto answered = alarm->ring_at(clock_.now_ms() + delay.count());
  co_await std::move(answered);
  co_return answer ? answer(*call, n) : worker::OrderAnswer{200};
}

int FakeOrderService::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

int FakeOrderService::calls_for(const std::string& key) const {
  std::lock_guard lock(mu_);
  const auto it = per_key_.find(key);
  return it == per_key_.end() ? 0 : it->second;
}

void RecordingPublisher::publish(OutgoingRecord record, DeliveryCallback on_delivery) {
  if (refuse.load()) {
    refused.fetch_add(1);
    on_delivery(failure(DeliveryError::not_written, "broker refused (test)"));
    return;
  }
  int64_t offset = 0;
  {
    std::lock_guard lock(mu_);
    records_.push_back(record);
    offset = static_cast<int64_t>(records_.size());
  }
  on_delivery(RecordWritten{0, offset});
}

std::vector<OutgoingRecord> RecordingPublisher::published(const std::string& topic) const {
  std::lock_guard lock(mu_);
  std::vector<OutgoingRecord> out;
  for (const auto& r : records_) {
    if (r.topic == topic) out.push_back(r);
  }
  return out;
}

}  // namespace paynotify::testing
