#include "tests/support/worker_fakes.hpp"

#include <boost/asio/this_coro.hpp>

#include <stdexcept>

namespace paynotify::testing {

using worker::ClaimOutcome;

worker::ClaimOutcome InMemoryDedupeStore::claim(const worker::EventKey& key,
                                                const std::string& owner, int64_t lease_ms) {
  if (throw_next.load() > 0) {
    throw_next.fetch_sub(1);
    throw std::runtime_error("store fault (test)");
  }
  if (down.load()) return ClaimOutcome::unavailable;
  std::lock_guard lock(mu_);
  const int64_t now = clock_();
  auto state = events_.find(key.event_id);
  if (state != events_.end() && state->second.expires_ms <= now) state = events_.erase(state);
  if (state != events_.end() && state->second.owner == "done") return ClaimOutcome::done;
  const auto parked = parked_.find(key.order_key);
  if (parked != parked_.end() && parked->second != key.event_id) return ClaimOutcome::parked;
  if (state != events_.end() && state->second.owner != owner) return ClaimOutcome::busy;
  events_[key.event_id] = Lease{owner, now + lease_ms};
  return ClaimOutcome::claimed;
}

bool InMemoryDedupeStore::complete(const worker::EventKey& key, const std::string&, int64_t) {
  if (down.load()) return false;
  std::lock_guard lock(mu_);
  events_[key.event_id] = Lease{"done"};
  if (const auto p = parked_.find(key.order_key); p != parked_.end() && p->second == key.event_id)
    parked_.erase(p);
  return true;
}

std::optional<worker::StoredLedger> InMemoryDedupeStore::read_ledger(
    const std::string& payment_id) {
  if (down.load()) return std::nullopt;
  std::lock_guard lock(mu_);
  return ledgers_[payment_id];
}

worker::LedgerWrite InMemoryDedupeStore::complete_with_ledger(const worker::EventKey& key,
                                                              const std::string&, int64_t,
                                                              const worker::LedgerUpdate& update) {
  if (down.load()) return worker::LedgerWrite::failed;
  std::lock_guard lock(mu_);
  if (const auto state = events_.find(key.event_id);
      state != events_.end() && state->second.owner == "done") {
    return worker::LedgerWrite::recorded;
  }
  auto& ledger = ledgers_[key.order_key];
  if (ledger.text != update.expected) return worker::LedgerWrite::changed_meanwhile;
  events_[key.event_id] = Lease{"done"};
  if (const auto p = parked_.find(key.order_key); p != parked_.end() && p->second == key.event_id)
    parked_.erase(p);
  ledger.text = update.updated;
  for (const auto& a : update.anomalies) ledger.outbox.push_back(a);
  return worker::LedgerWrite::recorded;
}

bool InMemoryDedupeStore::clear_outbox(const std::string& payment_id,
                                       const std::string& anomaly_id) {
  if (down.load()) return false;
  std::lock_guard lock(mu_);
  std::erase_if(ledgers_[payment_id].outbox, [&](const auto& a) { return a.first == anomaly_id; });
  return true;
}

bool InMemoryDedupeStore::park(const worker::EventKey& key, int64_t) {
  if (down.load()) return false;
  std::lock_guard lock(mu_);
  if (const auto state = events_.find(key.event_id);
      state != events_.end() && state->second.owner == "done") {
    return true;
  }
  parked_[key.order_key] = key.event_id;
  return true;
}

bool InMemoryDedupeStore::release(const worker::EventKey& key, const std::string& owner,
                                  bool unpark) {
  if (down.load()) return false;
  std::lock_guard lock(mu_);
  if (const auto state = events_.find(key.event_id);
      state != events_.end() && state->second.owner == owner) {
    events_.erase(state);
  }
  if (const auto p = parked_.find(key.order_key);
      unpark && p != parked_.end() && p->second == key.event_id) {
    parked_.erase(p);
  }
  return true;
}

bool InMemoryDedupeStore::is_done(const std::string& event_id) const {
  std::lock_guard lock(mu_);
  const auto it = events_.find(event_id);
  return it != events_.end() && it->second.owner == "done";
}

bool InMemoryDedupeStore::is_parked(const std::string& order_key) const {
  std::lock_guard lock(mu_);
  return parked_.count(order_key) > 0;
}

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
    on_delivery(DeliveryResult{false, "broker refused (test)", -1, -1});
    return;
  }
  int64_t offset = 0;
  {
    std::lock_guard lock(mu_);
    records_.push_back(record);
    offset = static_cast<int64_t>(records_.size());
  }
  on_delivery(DeliveryResult{true, "", 0, offset});
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
