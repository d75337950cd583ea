#include "worker/redis/redis_dedupe_store.hpp"

#include "worker/redis/redis_scripts.hpp"

namespace paynotify::worker {
namespace {

// The update of a one-request completion, lent for the call: a pointer that owns nothing.
std::shared_ptr<const LedgerUpdate> lent(const LedgerUpdate& update) {
  return std::shared_ptr<const LedgerUpdate>(std::shared_ptr<const LedgerUpdate>(), &update);
}

}  // namespace

RedisDedupeStore::RedisDedupeStore(RedisSettings settings,
                                   std::shared_ptr<StoreGeneration> generation, std::string scope)
    : redis_(std::move(settings)), generation_(std::move(generation)), scope_(std::move(scope)) {
  // A new connection may reach a restarted or promoted server before anything else notices:
  // check before its first claim.
  redis_.on_connect(distrust_a_new_server(generation_));
}

std::vector<LedgerClaim> RedisDedupeStore::claim_batch(std::span<const ClaimRequest> requests) {
  std::vector<LedgerClaim> out(requests.size());  // unavailable, unless Redis says otherwise
  if (!redis_.connect()) {  // first: a new connection may find a new server and distrust
    last_error_ = redis_.last_error();
    return out;
  }
  const std::string generation = generation_->value();
  if (generation.empty()) {
    last_error_ = "parking not trusted: " + generation_->distrust_reason();
    return out;
  }
  ScriptWords words;
  std::vector<ScriptCall> calls;
  calls.reserve(requests.size());
  for (const auto& r : requests) calls.push_back(claim_call(r, generation, scope_, words));
  const auto replies = redis_.eval_batch(calls);
  if (!replies) {
    last_error_ = redis_.last_error();
    return out;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    ClaimReply reply = claim_reply((*replies)[i]);
    if (reply.generation_lost)
      generation_->distrust("the generation key changed or vanished: Redis lost its data");
    if (!reply.error.empty()) last_error_ = std::move(reply.error);
    out[i] = std::move(reply.claim);
  }
  return out;
}

std::vector<LedgerWrite> RedisDedupeStore::complete_batch(
    std::span<const CompleteRequest> requests) {
  ScriptWords words;
  std::vector<ScriptCall> calls;
  calls.reserve(requests.size());
  for (const auto& r : requests) calls.push_back(complete_call(r, scope_, words));
  const auto replies = redis_.eval_batch(calls);
  if (!replies) {
    last_error_ = redis_.last_error();
    return std::vector<LedgerWrite>(requests.size(), LedgerWrite::failed);
  }
  std::vector<LedgerWrite> out;
  out.reserve(requests.size());
  for (const auto& reply : *replies) out.push_back(ledger_write(reply, last_error_));
  return out;
}

ClaimOutcome RedisDedupeStore::claim(const EventKey& key, const std::string& owner,
                                     int64_t lease_ms) {
  const ClaimRequest r{key, owner, lease_ms, false};
  return claim_batch(std::span(&r, 1)).front().outcome;
}

LedgerClaim RedisDedupeStore::claim_with_ledger(const EventKey& key, const std::string& owner,
                                                int64_t lease_ms) {
  const ClaimRequest r{key, owner, lease_ms, true};
  return claim_batch(std::span(&r, 1)).front();
}

bool RedisDedupeStore::complete(const EventKey& key, const std::string& owner, int64_t ttl_s) {
  const CompleteRequest r{key, owner, ttl_s, nullptr};
  return complete_batch(std::span(&r, 1)).front() == LedgerWrite::recorded;
}

LedgerWrite RedisDedupeStore::complete_with_ledger(const EventKey& key, const std::string& owner,
                                                   int64_t ttl_s, const LedgerUpdate& u) {
  const CompleteRequest r{key, owner, ttl_s, lent(u)};
  return complete_batch(std::span(&r, 1)).front();
}

}  // namespace paynotify::worker
