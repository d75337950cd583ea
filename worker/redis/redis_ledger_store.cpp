#include "worker/redis/redis_ledger_store.hpp"

#include "common/service/log.hpp"

namespace paynotify::worker {

RedisLedgerStore::RedisLedgerStore(RedisSettings settings, std::string scope)
    : redis_(std::move(settings)), scope_(std::move(scope)) {}

StoreResult<StoredLedger> RedisLedgerStore::read_ledger(const std::string& payment_id) {
  const auto replies = redis_.pipeline(
      {{"GET", ledger_key(payment_id)}, {"HGETALL", anomaly_outbox_key(payment_id)}});
  if (!replies) return answered(std::nullopt, "read_ledger").error();
  for (const auto& r : *replies) {
    if (r.type == RedisValue::Type::error) return answered(r, "read_ledger").error();
  }
  return stored_ledger((*replies)[0], (*replies)[1]);
}

StoreResult<LedgerWrite> RedisLedgerStore::update_ledger(const std::string& payment_id,
                                                         const LedgerUpdate& u) {
  ScriptWords words;
  ScriptCall call{&kUpdateLedger, 0, {}};
  add_ledger_write(call, {}, payment_id, u, scope_, words);
  const auto replies = redis_.eval_batch(std::span(&call, 1));
  auto reply = answered(replies ? std::optional(replies->front()) : std::nullopt, "update_ledger");
  if (!reply) return reply.error();
  std::string error;
  StoreResult<LedgerWrite> written = ledger_write(*reply, error);
  if (written) return written;
  log_event(spdlog::level::debug, "ledger_store_failed",
            {{"call", "update_ledger"}, {"error", error}});
  return written;
}

StoreResult<void> RedisLedgerStore::clear_outbox(const std::string& payment_id,
                                                 const std::string& anomaly_id) {
  auto reply = answered(redis_.command({"HDEL", anomaly_outbox_key(payment_id), anomaly_id}),
                        "clear_outbox");
  if (!reply) return reply.error();
  return {};
}

StoreResult<std::vector<std::string>> RedisLedgerStore::take_leased(const std::string& set,
                                                                    int64_t now_ms,
                                                                    int64_t lease_ms,
                                                                    std::size_t most,
                                                                    std::string_view call) {
  auto reply = answered(
      redis_.eval(kTakeDue, {set},
                  {std::to_string(now_ms), std::to_string(lease_ms), std::to_string(most)}),
      call);
  if (!reply) return reply.error();
  std::vector<std::string> due;
  for (const auto& e : reply->elements) due.push_back(e.text);
  return due;
}

StoreResult<std::vector<std::string>> RedisLedgerStore::take_due(int64_t now_ms, int64_t lease_ms,
                                                                 std::size_t most) {
  return take_leased(ledger_deadlines_key(scope_), now_ms, lease_ms, most, "take_due");
}

StoreResult<void> RedisLedgerStore::mark_for_inquiry(const std::string& payment_id,
                                                     int64_t now_ms) {
  // NX: marked twice before the watch came, it is asked once.
  auto reply = answered(redis_.command({"ZADD", reconcile_marks_key(scope_), "NX",
                                        std::to_string(now_ms), payment_id}),
                        "mark_for_inquiry");
  if (!reply) return reply.error();
  return {};
}

StoreResult<std::vector<std::string>> RedisLedgerStore::take_marked(int64_t now_ms,
                                                                    int64_t lease_ms,
                                                                    std::size_t most) {
  return take_leased(reconcile_marks_key(scope_), now_ms, lease_ms, most, "take_marked");
}

StoreResult<void> RedisLedgerStore::clear_mark(const std::string& payment_id) {
  auto reply =
      answered(redis_.command({"ZREM", reconcile_marks_key(scope_), payment_id}), "clear_mark");
  if (!reply) return reply.error();
  return {};
}

StoreResult<void> RedisLedgerStore::drop_deadline(const std::string& payment_id) {
  for (const auto& set : {ledger_deadlines_key(scope_), ledger_uncaptured_key(scope_)}) {
    auto reply = answered(redis_.command({"ZREM", set, payment_id}), "drop_deadline");
    if (!reply) return reply.error();
  }
  return {};
}

StoreResult<int64_t> RedisLedgerStore::count_expiring(int64_t from_ms, int64_t to_ms) {
  auto reply = answered(redis_.command({"ZCOUNT", ledger_uncaptured_key(scope_),
                                        std::to_string(from_ms), "(" + std::to_string(to_ms)}),
                        "count_expiring");
  if (!reply) return reply.error();
  return reply->integer;
}

StoreResult<std::optional<int64_t>> RedisLedgerStore::next_deadline(const std::string& payment_id) {
  auto reply = answered(redis_.command({"ZSCORE", ledger_deadlines_key(scope_), payment_id}),
                        "next_deadline");
  if (!reply) return reply.error();
  if (reply->type != RedisValue::Type::text) return std::optional<int64_t>();
  return std::optional<int64_t>(std::stoll(reply->text));
}

StoreResult<std::vector<ExpiringAuthorization>> RedisLedgerStore::expiring_until(int64_t until_ms,
                                                                                 std::size_t most) {
  auto reply = answered(
      redis_.command({"ZRANGEBYSCORE", ledger_uncaptured_key(scope_), "-inf",
                      std::to_string(until_ms), "WITHSCORES", "LIMIT", "0", std::to_string(most)}),
      "expiring_until");
  if (!reply) return reply.error();
  std::vector<ExpiringAuthorization> expiring;
  for (std::size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    expiring.push_back({reply->elements[i].text, std::stoll(reply->elements[i + 1].text)});
  }
  return expiring;
}

}  // namespace paynotify::worker
