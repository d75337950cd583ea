#include "tests/support/in_memory_ledger_store.hpp"

#include <algorithm>
#include <tuple>

namespace paynotify::testing {

using worker::LedgerWrite;
using worker::StoredLedger;
using worker::StoreResult;

StoreResult<StoredLedger> InMemoryLedgerStore::read_ledger(const std::string& payment_id) {
  std::lock_guard lock(mu_);
  const auto it = ledgers_.find(payment_id);
  return it == ledgers_.end() ? StoredLedger{} : it->second;
}

StoreResult<LedgerWrite> InMemoryLedgerStore::update_ledger(const std::string& payment_id,
                                                            const worker::LedgerUpdate& u) {
  std::lock_guard lock(mu_);
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

StoreResult<void> InMemoryLedgerStore::clear_outbox(const std::string& payment_id,
                                                    const std::string& anomaly_id) {
  std::lock_guard lock(mu_);
  if (auto it = ledgers_.find(payment_id); it != ledgers_.end()) {
    std::erase_if(it->second.outbox,
                  [&anomaly_id](const auto& entry) { return entry.first == anomaly_id; });
  }
  return {};
}

StoreResult<std::vector<std::string>> InMemoryLedgerStore::take_due(int64_t now_ms,
                                                                    int64_t lease_ms,
                                                                    std::size_t most) {
  std::lock_guard lock(mu_);
  std::vector<std::tuple<int64_t, std::string>> due;  // ZRANGEBYSCORE: by score, then name
  for (const auto& [payment, at] : deadlines_) {
    if (at <= now_ms) due.emplace_back(at, payment);
  }
  std::sort(due.begin(), due.end());
  if (due.size() > most) due.resize(most);
  std::vector<std::string> taken;
  for (auto& [at, payment] : due) {
    deadlines_[payment] = now_ms + lease_ms;
    taken.push_back(std::move(payment));
  }
  return taken;
}

StoreResult<void> InMemoryLedgerStore::drop_deadline(const std::string& payment_id) {
  std::lock_guard lock(mu_);
  deadlines_.erase(payment_id);
  uncaptured_.erase(payment_id);
  return {};
}

StoreResult<int64_t> InMemoryLedgerStore::count_expiring(int64_t from_ms, int64_t to_ms) {
  std::lock_guard lock(mu_);
  const int64_t count = std::count_if(uncaptured_.begin(), uncaptured_.end(), [&](const auto& e) {
    return e.second >= from_ms && e.second < to_ms;
  });
  return count;
}

}  // namespace paynotify::testing
