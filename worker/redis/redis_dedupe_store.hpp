#pragma once
// DedupeStore on Redis, blocking: one connection per calling thread, each claim or completion
// one atomic Lua script (a batch pipelined in one round trip), reconnect after any I/O error.
// Claims run only under a trusted StoreGeneration (store_generation.hpp): after Redis lost its
// data, none until the parking is rebuilt.

#include <memory>
#include <string>

#include "worker/redis/redis_connection.hpp"
#include "worker/store/dedupe_store.hpp"
#include "worker/store/store_generation.hpp"

namespace paynotify::worker {

// One connection. Not thread-safe: give each thread its own.
class RedisDedupeStore final : public DedupeStore {
 public:
  // scope: the deployment's main topic, naming its generation and its deadline watch's sets.
  RedisDedupeStore(RedisSettings settings, std::shared_ptr<StoreGeneration> generation,
                   std::string scope = "antom.notifications");

  // Each batch in one round trip (pipelined scripts).
  std::vector<StoreResult<LedgerClaim>> claim_batch(
      std::span<const ClaimRequest> requests) override;
  std::vector<StoreResult<LedgerWrite>> complete_batch(
      std::span<const CompleteRequest> requests) override;

 private:
  RedisConnection redis_;
  std::shared_ptr<StoreGeneration> generation_;
  std::string scope_;
};

}  // namespace paynotify::worker
