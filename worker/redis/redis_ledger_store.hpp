#pragma once
// LedgerStore on Redis: one connection of its own (blocking, reconnect after any I/O error),
// the ledger's compare-and-set as the same Lua script the completion runs
// (redis_scripts.hpp). Not thread-safe: one per thread (the deadline watch has its own, each
// store thread of the DedupePool too, `paynotify ledger` one).

#include <optional>
#include <string>
#include <string_view>

#include "worker/redis/redis_connection.hpp"
#include "worker/redis/redis_scripts.hpp"
#include "worker/store/ledger_store.hpp"

namespace paynotify::worker {

class RedisLedgerStore final : public LedgerStore {
 public:
  // scope: the deployment's main topic, naming its deadline watch's sets.
  RedisLedgerStore(RedisSettings settings, std::string scope);

  StoreResult<StoredLedger> read_ledger(const std::string& payment_id) override;
  StoreResult<LedgerWrite> update_ledger(const std::string& payment_id,
                                         const LedgerUpdate& update) override;
  StoreResult<void> clear_outbox(const std::string& payment_id,
                                 const std::string& anomaly_id) override;
  StoreResult<std::vector<std::string>> take_due(int64_t now_ms, int64_t lease_ms,
                                                 std::size_t most) override;
  StoreResult<void> drop_deadline(const std::string& payment_id) override;
  StoreResult<void> mark_for_inquiry(const std::string& payment_id, int64_t now_ms) override;
  StoreResult<std::vector<std::string>> take_marked(int64_t now_ms, int64_t lease_ms,
                                                    std::size_t most) override;
  StoreResult<void> clear_mark(const std::string& payment_id) override;
  StoreResult<int64_t> count_expiring(int64_t from_ms, int64_t to_ms) override;
  StoreResult<std::optional<int64_t>> next_deadline(const std::string& payment_id) override;
  StoreResult<std::vector<ExpiringAuthorization>> expiring_until(int64_t until_ms,
                                                                 std::size_t most) override;

  // What Redis said when a call last failed, for the operator ("" if none did).
  std::string failure_detail() const { return redis_.last_error(); }

 private:
  // store_reply's logging is debug: the health check reports an unreachable Redis once, not
  // once per call.
  StoreResult<RedisValue> answered(std::optional<RedisValue> reply, std::string_view call) {
    return store_reply(std::move(reply), redis_, call);
  }
  // Due members of a sorted set of payments scored by when (deadlines, marks), each leased.
  StoreResult<std::vector<std::string>> take_leased(const std::string& set, int64_t now_ms,
                                                    int64_t lease_ms, std::size_t most,
                                                    std::string_view call);

  RedisConnection redis_;
  std::string scope_;
};

}  // namespace paynotify::worker
