#include "tests/support/in_memory_store.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace paynotify::testing {

using worker::ClaimOutcome;
using worker::LedgerWrite;
using worker::StoredLedger;
using worker::StoreError;
using worker::StoreResult;

namespace {
auto audit_entry(const worker::RebuiltParking& p) {
  return std::make_tuple(p.key.order_key, p.key.event_id, p.at.partition, p.at.offset);
}
}  // namespace

worker::StoreSeams seams_of(InMemoryStore& store) {
  const std::shared_ptr<InMemoryStore> lent(std::shared_ptr<InMemoryStore>(), &store);
  return worker::StoreSeams{lent, lent, lent};
}

bool InMemoryStore::done(const std::string& event_id) const {
  const auto state = events_.find(event_id);
  return state != events_.end() && state->second.owner == "done";
}

void InMemoryStore::lift(const worker::EventKey& key) {
  if (const auto p = parked_.find(key.order_key); p != parked_.end() && p->second == key.event_id) {
    parked_.erase(p);
    parked_at_.erase(key.order_key);
  }
}

std::vector<StoreResult<worker::LedgerClaim>> InMemoryStore::claim_batch(
    std::span<const worker::ClaimRequest> requests) {
  std::vector<StoreResult<worker::LedgerClaim>> out;
  for (const auto& r : requests) out.push_back(claim_one(r));
  return out;
}

std::vector<StoreResult<LedgerWrite>> InMemoryStore::complete_batch(
    std::span<const worker::CompleteRequest> requests) {
  std::vector<StoreResult<LedgerWrite>> out;
  for (const auto& r : requests) out.push_back(complete_one(r));
  return out;
}

StoreResult<worker::LedgerClaim> InMemoryStore::claim_one(const worker::ClaimRequest& r) {
  if (throw_next.load() > 0) {
    throw_next.fetch_sub(1);
    throw std::runtime_error("store fault (test)");
  }
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  const worker::EventKey& key = r.key;
  const int64_t now = clock_();
  auto state = events_.find(key.event_id);
  if (state != events_.end() && state->second.expires_ms <= now) state = events_.erase(state);
  if (state != events_.end() && state->second.owner == "done")
    return worker::LedgerClaim{ClaimOutcome::done, std::nullopt};
  const auto parked = parked_.find(key.order_key);
  if (parked != parked_.end() && parked->second != key.event_id)
    return worker::LedgerClaim{ClaimOutcome::parked, std::nullopt};
  if (state != events_.end() && state->second.owner != r.owner)
    return worker::LedgerClaim{ClaimOutcome::busy, std::nullopt};
  events_[key.event_id] = Lease{r.owner, now + r.lease_ms};
  worker::LedgerClaim claimed{ClaimOutcome::claimed, std::nullopt};
  if (r.with_ledger) {
    ++ledger_reads;
    claimed.ledger = ledgers_[key.order_key];
  }
  return claimed;
}

StoreResult<LedgerWrite> InMemoryStore::complete_one(const worker::CompleteRequest& r) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  if (r.ledger) {
    if (done(r.key.event_id)) return LedgerWrite::recorded;  // counted in the ledger once
    const LedgerWrite written = write_ledger(r.key.order_key, *r.ledger);
    if (written != LedgerWrite::recorded) return written;
  }
  events_[r.key.event_id] = Lease{"done"};
  lift(r.key);
  return LedgerWrite::recorded;
}

LedgerWrite InMemoryStore::write_ledger(const std::string& payment_id,
                                        const worker::LedgerUpdate& u) {
  StoredLedger& stored = ledgers_[payment_id];
  if (stored.text != u.expected) return LedgerWrite::changed_meanwhile;
  stored.text = u.updated;
  const auto index = [&payment_id](std::map<std::string, int64_t>& set,
                                   const std::optional<int64_t>& score) {
    if (score) {
      set[payment_id] = *score;
    } else {
      set.erase(payment_id);
    }
  };
  index(deadlines_, u.deadline_ms);
  index(uncaptured_, u.uncaptured_expiry_ms);
  for (const auto& [id, text] : u.anomalies) {  // HSET: a known id is overwritten in place
    auto same = std::find_if(stored.outbox.begin(), stored.outbox.end(),
                             [&id](const auto& entry) { return entry.first == id; });
    if (same != stored.outbox.end()) {
      same->second = text;
    } else {
      stored.outbox.emplace_back(id, text);
    }
  }
  return LedgerWrite::recorded;
}

StoreResult<StoredLedger> InMemoryStore::read_ledger(const std::string& payment_id) {
  ++ledger_reads;
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  const auto it = ledgers_.find(payment_id);
  return it == ledgers_.end() ? StoredLedger{} : it->second;
}

StoreResult<LedgerWrite> InMemoryStore::update_ledger(const std::string& payment_id,
                                                      const worker::LedgerUpdate& u) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  return write_ledger(payment_id, u);
}

StoreResult<void> InMemoryStore::clear_outbox(const std::string& payment_id,
                                              const std::string& anomaly_id) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  if (auto it = ledgers_.find(payment_id); it != ledgers_.end()) {
    std::erase_if(it->second.outbox,
                  [&anomaly_id](const auto& entry) { return entry.first == anomaly_id; });
  }
  return {};
}

namespace {

// kTakeDue's rule on a map of payments scored by when: the due ones, earliest first, each
// moved a lease ahead.
std::vector<std::string> take_leased(std::map<std::string, int64_t>& set, int64_t now_ms,
                                     int64_t lease_ms, std::size_t most) {
  std::vector<std::tuple<int64_t, std::string>> due;  // ZRANGEBYSCORE: by score, then name
  for (const auto& [payment, at] : set) {
    if (at <= now_ms) due.emplace_back(at, payment);
  }
  std::sort(due.begin(), due.end());
  if (due.size() > most) due.resize(most);
  std::vector<std::string> taken;
  for (auto& [at, payment] : due) {
    set[payment] = now_ms + lease_ms;
    taken.push_back(std::move(payment));
  }
  return taken;
}

}  // namespace

StoreResult<std::vector<std::string>> InMemoryStore::take_due(int64_t now_ms, int64_t lease_ms,
                                                              std::size_t most) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  return take_leased(deadlines_, now_ms, lease_ms, most);
}

StoreResult<void> InMemoryStore::mark_for_inquiry(const std::string& payment_id, int64_t now_ms) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  marks_.emplace(payment_id, now_ms);  // NX
  return {};
}

StoreResult<std::vector<std::string>> InMemoryStore::take_marked(int64_t now_ms, int64_t lease_ms,
                                                                 std::size_t most) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  return take_leased(marks_, now_ms, lease_ms, most);
}

StoreResult<void> InMemoryStore::clear_mark(const std::string& payment_id) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  marks_.erase(payment_id);
  return {};
}

StoreResult<void> InMemoryStore::drop_deadline(const std::string& payment_id) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  deadlines_.erase(payment_id);
  uncaptured_.erase(payment_id);
  return {};
}

StoreResult<int64_t> InMemoryStore::count_expiring(int64_t from_ms, int64_t to_ms) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  const int64_t count = std::count_if(uncaptured_.begin(), uncaptured_.end(), [&](const auto& e) {
    return e.second >= from_ms && e.second < to_ms;
  });
  return count;
}

StoreResult<std::optional<int64_t>> InMemoryStore::next_deadline(const std::string& payment_id) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  const auto it = deadlines_.find(payment_id);
  return it == deadlines_.end() ? std::nullopt : std::optional<int64_t>(it->second);
}

StoreResult<std::vector<worker::ExpiringAuthorization>> InMemoryStore::expiring_until(
    int64_t until_ms, std::size_t most) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  std::vector<std::tuple<int64_t, std::string>> due;  // by score, then name
  for (const auto& [payment, expires] : uncaptured_) {
    if (expires <= until_ms) due.emplace_back(expires, payment);
  }
  std::sort(due.begin(), due.end());
  if (due.size() > most) due.resize(most);
  std::vector<worker::ExpiringAuthorization> out;
  for (auto& [expires, payment] : due) out.push_back({std::move(payment), expires});
  return out;
}

StoreResult<void> InMemoryStore::park(const worker::EventKey& key, int64_t) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  if (done(key.event_id)) return {};  // a retry that completed parks nothing again
  parked_[key.order_key] = key.event_id;
  parked_at_.erase(key.order_key);  // a live parking, whatever a rebuild recorded
  return {};
}

StoreResult<void> InMemoryStore::release(const worker::EventKey& key, const std::string& owner) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  if (const auto state = events_.find(key.event_id);
      state != events_.end() && state->second.owner == owner) {
    events_.erase(state);
  }
  return {};
}

StoreResult<void> InMemoryStore::unpark(const worker::EventKey& key, const std::string& owner) {
  if (auto released = release(key, owner); !released) return released;
  std::lock_guard lock(mu_);
  lift(key);
  return {};
}

StoreResult<worker::SeenGeneration> InMemoryStore::read_generation() {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  return worker::SeenGeneration{generation_, ""};
}

StoreResult<bool> InMemoryStore::take_rebuild_lock(const std::string& owner, int64_t lease_ms) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  const int64_t now = clock_();
  if (rebuild_lock_ && rebuild_lock_->expires_ms > now) return false;
  rebuild_lock_ = Lease{owner, now + lease_ms};
  return true;
}

StoreResult<bool> InMemoryStore::hold_rebuild_lock(const std::string& owner, int64_t lease_ms) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  const int64_t now = clock_();
  if (!rebuild_lock_ || rebuild_lock_->expires_ms <= now || rebuild_lock_->owner != owner)
    return false;
  if (lease_ms == 0) {
    rebuild_lock_.reset();
  } else {
    rebuild_lock_->expires_ms = now + lease_ms;
  }
  return true;
}

StoreResult<void> InMemoryStore::give_back_rebuild_lock(const std::string& owner) {
  if (auto held = hold_rebuild_lock(owner, 0); !held) return held.error();
  return {};
}

StoreResult<bool> InMemoryStore::install_generation(const std::string& owner,
                                                    const std::string& value) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  if (!rebuild_lock_ || rebuild_lock_->expires_ms <= clock_() || rebuild_lock_->owner != owner)
    return false;
  generation_ = value;
  rebuild_lock_.reset();
  return true;
}

StoreResult<worker::Restored> InMemoryStore::restore_parking(const worker::EventKey& key, int64_t,
                                                             worker::RetryPosition at) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  if (done(key.event_id)) return worker::Restored::done;
  if (parked_.contains(key.order_key) && !parked_at_.contains(key.order_key))
    return worker::Restored::kept;
  parked_[key.order_key] = key.event_id;
  parked_at_[key.order_key] = at;
  audit_.insert(audit_entry({key, at}));
  return worker::Restored::parked;
}

StoreResult<std::vector<worker::RebuiltParking>> InMemoryStore::rebuilt_parkings(std::size_t most) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  std::vector<worker::RebuiltParking> out;
  for (const auto& [payment, event, partition, offset] : audit_) {
    if (out.size() == most) break;
    out.push_back({{payment, event}, {partition, offset}});
  }
  return out;
}

StoreResult<worker::Lifted> InMemoryStore::lift_rebuilt_parking(const worker::RebuiltParking& p,
                                                                bool finished) {
  if (down.load()) return StoreError::unavailable;
  std::lock_guard lock(mu_);
  const auto parked = parked_.find(p.key.order_key);
  const auto at = parked_at_.find(p.key.order_key);
  if (parked == parked_.end() || parked->second != p.key.event_id || at == parked_at_.end() ||
      !(at->second == p.at)) {
    audit_.erase(audit_entry(p));
    return worker::Lifted::gone;
  }
  if (!finished) return worker::Lifted::live;
  parked_.erase(parked);
  parked_at_.erase(at);
  audit_.erase(audit_entry(p));
  return worker::Lifted::lifted;
}

bool InMemoryStore::is_done(const std::string& event_id) const {
  std::lock_guard lock(mu_);
  return done(event_id);
}

bool InMemoryStore::is_parked(const std::string& order_key) const {
  std::lock_guard lock(mu_);
  return parked_.contains(order_key);
}

}  // namespace paynotify::testing
