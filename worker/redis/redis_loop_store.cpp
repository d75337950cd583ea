#include "worker/redis/redis_loop_store.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/service/log.hpp"
#include "worker/redis/redis_scripts.hpp"

namespace paynotify::worker {
namespace net = boost::asio;

RedisLoopStore::RedisLoopStore(net::any_io_executor loop, RedisSettings settings,
                               std::shared_ptr<StoreGeneration> generation, std::string scope,
                               RedisPipeline::WriteObserver observe_write)
    : generation_(generation),
      scope_(std::move(scope)),
      redis_(std::move(loop), std::move(settings), distrust_a_new_server(generation),
             {&kClaim, &kComplete, &kCompleteWithLedger}, std::move(observe_write)) {}

// The call is queued when the awaitable is first awaited (use_awaitable starts it lazily), so
// `call` must live until then: it does, in the awaiting coroutine's frame. Its words are copied
// into the write as it is queued.
net::awaitable<RedisPipeline::Reply> RedisLoopStore::run(const ScriptCall& call) {
  return net::async_initiate<decltype(net::use_awaitable), void(RedisPipeline::Reply)>(
      [this, &call](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        redis_.eval(call, [shared](RedisPipeline::Reply reply) { (*shared)(std::move(reply)); });
      },
      net::use_awaitable);
}

net::awaitable<StoreResult<LedgerClaim>> RedisLoopStore::claim(ClaimRequest request) {
  const std::string generation = generation_->value();
  if (generation.empty()) co_return StoreError::untrusted;  // until rebuilt: no claims
  ScriptWords words;
  const ScriptCall call = claim_call(request, generation, scope_, words);
  auto op = run(call);
  const RedisPipeline::Reply reply = co_await std::move(op);
  if (!reply) co_return StoreError::unavailable;
  ClaimReply claimed = claim_reply(*reply);
  if (claimed.generation_lost) {
    generation_->distrust("the generation key changed or vanished: Redis lost its data");
    co_return StoreError::untrusted;
  }
  if (claimed.claim.outcome == ClaimOutcome::unavailable) co_return StoreError::bad_reply;
  co_return std::move(claimed.claim);
}

net::awaitable<StoreResult<LedgerWrite>> RedisLoopStore::complete(CompleteRequest request) {
  ScriptWords words;
  const ScriptCall call = complete_call(request, scope_, words);
  auto op = run(call);
  const RedisPipeline::Reply reply = co_await std::move(op);
  if (!reply) co_return StoreError::unavailable;
  std::string error;
  co_return ledger_write(*reply, error);
}

}  // namespace paynotify::worker
