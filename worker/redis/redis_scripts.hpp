#pragma once
// The Redis stores' Lua scripts, and for the calls every event makes (claims, completions)
// how a request becomes a script call and how its reply reads back. Shared by the blocking
// adapters (RedisDedupeStore, RedisLedgerStore, RedisParkingStore) and the event loop's
// pipelined one (RedisLoopStore). Pure apart from the scripts' SHA1, computed once.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "worker/redis/redis_connection.hpp"
#include "worker/store/dedupe_store.hpp"
#include "worker/store/store_error.hpp"
#include "worker/store/store_generation.hpp"

namespace paynotify::worker {

extern const LuaScript kClaim;
extern const LuaScript kComplete;
extern const LuaScript kRelease;
extern const LuaScript kPark;
extern const LuaScript kCompleteWithLedger;
extern const LuaScript kUpdateLedger;
extern const LuaScript kTakeDue;
extern const LuaScript kRestoreParking;
extern const LuaScript kLiftParking;
extern const LuaScript kInstallGeneration;
extern const LuaScript kHoldRebuildLock;

// A reply as a store seam gives it: no answer is unavailable, an error reply bad_reply; either
// is logged (debug) with what the connection said.
StoreResult<RedisValue> store_reply(std::optional<RedisValue> reply, const RedisConnection& redis,
                                    std::string_view call);

// A call's words made for it (keys, numbers), kept until the call is sent: written into a block
// of its own, and a key straight from its pieces, so that a claim or a completion builds its
// words with no allocation. The rest of a call's words are views of the request, which must
// outlive the call's sending.
class ScriptWords {
 public:
  ScriptWords() = default;
  ScriptWords(const ScriptWords&) = delete;  // the words point into it
  ScriptWords& operator=(const ScriptWords&) = delete;

  std::string_view own(const KeyPieces& key);
  std::string_view own(std::string_view word) { return own(KeyPieces{{word}}); }
  std::string_view own(int64_t number);

 private:
  char block_[1024];
  std::size_t used_ = 0;
  std::deque<std::string> overflow_;  // past the block (long ids or scope): never moves either
};

// The ledger from a GET's reply (nil: none yet) and its outbox from an HGETALL's.
StoredLedger stored_ledger(const RedisValue& ledger, const RedisValue& outbox);

// The ledger's write (kWriteLedger's keys and arguments) appended to a call that holds only
// keys so far, after `args_before`.
void add_ledger_write(ScriptCall& call, std::span<const std::string_view> args_before,
                      const std::string& payment, const LedgerUpdate& u, const std::string& scope,
                      ScriptWords& w);

// generation: the trusted one, which the script must find in Redis.
ScriptCall claim_call(const ClaimRequest& r, const std::string& generation,
                      const std::string& scope, ScriptWords& w);
ScriptCall complete_call(const CompleteRequest& r, const std::string& scope, ScriptWords& w);

// A claim's reply. generation_lost: Redis no longer holds the trusted generation (it lost its
// data): the caller distrusts it, and the claim is unavailable.
struct ClaimReply {
  LedgerClaim claim;  // unavailable unless Redis said otherwise
  bool generation_lost = false;
  std::string error;
};
ClaimReply claim_reply(const RedisValue& reply);

// The connect hook of every dedupe-store connection: a server that restarted or failed over
// since the trusted generation was minted (its run_id changed) may have lost the last writes.
std::function<void(RedisConnection&)> distrust_a_new_server(
    std::shared_ptr<StoreGeneration> generation);

// A completion's or ledger write's reply: 'ok', or 'changed' when the ledger moved since read.
StoreResult<LedgerWrite> ledger_write(const RedisValue& reply, std::string& error);

}  // namespace paynotify::worker
