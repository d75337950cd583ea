#pragma once
// The claims and completions of every event, on Redis from the engine's loop (LeaseStore): each
// one script run (redis_scripts.hpp), pipelined with the others of the same turn of the loop
// over one connection (RedisPipeline), its reply read back on the loop. No thread hand-off.

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

#include "worker/redis/redis_pipeline.hpp"
#include "worker/store/lease_store.hpp"
#include "worker/store/store_generation.hpp"

namespace paynotify::worker {

class RedisLoopStore final : public LeaseStore {
 public:
  // scope: the deployment's main topic (its generation, its deadline sets).
  RedisLoopStore(boost::asio::any_io_executor loop, RedisSettings settings,
                 std::shared_ptr<StoreGeneration> generation, std::string scope,
                 RedisPipeline::WriteObserver observe_write = {});

  boost::asio::awaitable<StoreResult<LedgerClaim>> claim(ClaimRequest request) override;
  boost::asio::awaitable<StoreResult<LedgerWrite>> complete(CompleteRequest request) override;

 private:
  boost::asio::awaitable<RedisPipeline::Reply> run(const ScriptCall& call);

  std::shared_ptr<StoreGeneration> generation_;
  std::string scope_;
  RedisPipeline redis_;
};

}  // namespace paynotify::worker
