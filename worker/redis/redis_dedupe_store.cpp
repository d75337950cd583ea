#include "worker/redis/redis_dedupe_store.hpp"

#include "worker/redis/redis_scripts.hpp"

namespace paynotify::worker {
RedisDedupeStore::RedisDedupeStore(RedisSettings settings,
                                   std::shared_ptr<StoreGeneration> generation, std::string scope)
    : redis_(std::move(settings)), generation_(std::move(generation)), scope_(std::move(scope)) {
  // A new connection may reach a restarted or promoted server before anything else notices:
  // check before its first claim.
  redis_.on_connect(distrust_a_new_server(generation_));
}

std::vector<StoreResult<LedgerClaim>> RedisDedupeStore::claim_batch(
    std::span<const ClaimRequest> requests) {
  using Failed = std::vector<StoreResult<LedgerClaim>>;
  if (!redis_.connect()) {  // first: a new connection may find a new server and distrust
    (void)store_reply(std::nullopt, redis_, "claim");
    return Failed(requests.size(), StoreError::unavailable);
  }
  const std::string generation = generation_->value();
  if (generation.empty()) return Failed(requests.size(), StoreError::untrusted);
  ScriptWords words;
  std::vector<ScriptCall> calls;
  calls.reserve(requests.size());
  for (const auto& r : requests) calls.push_back(claim_call(r, generation, scope_, words));
  const auto replies = redis_.eval_batch(calls);
  if (!replies) {
    (void)store_reply(std::nullopt, redis_, "claim");
    return Failed(requests.size(), StoreError::unavailable);
  }
  std::vector<StoreResult<LedgerClaim>> out;
  out.reserve(requests.size());
  for (const auto& r : *replies) {
    ClaimReply reply = claim_reply(r);
    if (reply.generation_lost) {
      generation_->distrust("the generation key changed or vanished: Redis lost its data");
      out.emplace_back(StoreError::untrusted);
    } else if (!reply.error.empty()) {
      (void)store_reply(RedisValue{RedisValue::Type::error, reply.error, 0, {}}, redis_, "claim");
      out.emplace_back(StoreError::bad_reply);
    } else {
      out.emplace_back(std::move(reply.claim));
    }
  }
  return out;
}

std::vector<StoreResult<LedgerWrite>> RedisDedupeStore::complete_batch(
    std::span<const CompleteRequest> requests) {
  ScriptWords words;
  std::vector<ScriptCall> calls;
  calls.reserve(requests.size());
  for (const auto& r : requests) calls.push_back(complete_call(r, scope_, words));
  const auto replies = redis_.eval_batch(calls);
  if (!replies) {
    (void)store_reply(std::nullopt, redis_, "complete");
    return std::vector<StoreResult<LedgerWrite>>(requests.size(), StoreError::unavailable);
  }
  std::vector<StoreResult<LedgerWrite>> out;
  out.reserve(requests.size());
  for (const auto& reply : *replies) {
    std::string error;
    StoreResult<LedgerWrite> written = ledger_write(reply, error);
    if (!written)
      (void)store_reply(RedisValue{RedisValue::Type::error, error, 0, {}}, redis_, "complete");
    out.push_back(std::move(written));
  }
  return out;
}

}  // namespace paynotify::worker
