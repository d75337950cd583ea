#pragma once
// The payments' ledgers in memory, with the rules of worker/redis_scripts.cpp's ledger write
// and deadline take: the LedgerStore contract test runs against it and Redis alike, and tests
// of what uses a LedgerStore run on it without Redis. Thread-safe.

#include <map>
#include <mutex>
#include <string>

#include "worker/store/ledger_store.hpp"

namespace paynotify::testing {

class InMemoryLedgerStore final : public worker::LedgerStore {
 public:
  worker::StoreResult<worker::StoredLedger> read_ledger(const std::string& payment_id) override;
  worker::StoreResult<worker::LedgerWrite> update_ledger(
      const std::string& payment_id, const worker::LedgerUpdate& update) override;
  worker::StoreResult<void> clear_outbox(const std::string& payment_id,
                                         const std::string& anomaly_id) override;
  worker::StoreResult<std::vector<std::string>> take_due(int64_t now_ms, int64_t lease_ms,
                                                         std::size_t most) override;
  worker::StoreResult<void> drop_deadline(const std::string& payment_id) override;
  worker::StoreResult<int64_t> count_expiring(int64_t from_ms, int64_t to_ms) override;

 private:
  std::mutex mu_;
  std::map<std::string, worker::StoredLedger> ledgers_;
  std::map<std::string, int64_t> deadlines_;   // payment -> when the watch looks
  std::map<std::string, int64_t> uncaptured_;  // payment -> its authorization's expiry
};

}  // namespace paynotify::testing
