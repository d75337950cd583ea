#include "worker/redis/redis_scripts.hpp"

#include <algorithm>
#include <charconv>

#include "common/service/log.hpp"
#include "worker/store/store_generation.hpp"

namespace paynotify::worker {

// KEYS[1] event state, KEYS[2] payment parking, KEYS[3] the generation, KEYS[4] the ledger,
// KEYS[5] its outbox; ARGV owner, lease ms, event id, the trusted generation, with ledger
// (1|0). State is "done" or the owner token of a live lease (the key's TTL is the lease). A
// generation other than the trusted one means Redis lost its data since: claim nothing,
// whatever the keys say, until the parking is rebuilt. Claimed with ledger: {'claimed',
// ledger or '', outbox as HGETALL gives it}, saving the completion a round trip to read them.
const LuaScript kClaim(R"lua(
if redis.call('GET', KEYS[3]) ~= ARGV[4] then return 'generation' end
local state = redis.call('GET', KEYS[1])
if state == 'done' then return 'done' end
local parked = redis.call('GET', KEYS[2])
if parked and parked ~= ARGV[3] then return 'parked' end
if state and state ~= ARGV[1] then return 'busy' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[5] ~= '1' then return 'claimed' end
return {'claimed', redis.call('GET', KEYS[4]) or '', redis.call('HGETALL', KEYS[5])}
)lua");

// KEYS[3] the parking's retry-topic position (set only by a rebuild). ARGV owner, done TTL s,
// event id. Applied is applied, even if the lease ran out meanwhile.
const LuaScript kComplete(R"lua(
redis.call('SET', KEYS[1], 'done', 'EX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2], KEYS[3]) end
return 'ok'
)lua");

// ARGV owner, event id, unpark (1|0).
const LuaScript kRelease(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if ARGV[3] == '1' and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2], KEYS[3]) end
return 'ok'
)lua");

// KEYS[1] payment parking, KEYS[2] event state, KEYS[3] parking position; ARGV event id, TTL s.
// Not done events only: a retry that already completed must not park its payment again. A
// parking made here is live whatever a rebuild recorded, so its position goes.
const LuaScript kPark(R"lua(
if redis.call('GET', KEYS[2]) == 'done' then return 'done' end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('DEL', KEYS[3])
return 'ok'
)lua");

// The ledger's write, shared by the completion and the deadline watch: compare and set the
// ledger; put the payment on (or off) the deadline watch and the uncaptured-expiry index;
// add the new anomalies to the outbox. K: ledger, outbox, deadlines, expiries. A: the ledger
// as read ('' none), updated, TTL s, next deadline ('' none), payment id, uncaptured expiry
// ('' none), then anomaly id and JSON pairs.
constexpr const char* kWriteLedger = R"lua(
local function write_ledger(K, A)
  if (redis.call('GET', K[1]) or '') ~= A[1] then return false end
  redis.call('SET', K[1], A[2], 'EX', A[3])
  if A[4] ~= '' then redis.call('ZADD', K[3], A[4], A[5]) else redis.call('ZREM', K[3], A[5]) end
  if A[6] ~= '' then redis.call('ZADD', K[4], A[6], A[5]) else redis.call('ZREM', K[4], A[5]) end
  for i = 7, #A, 2 do redis.call('HSET', K[2], A[i], A[i + 1]) end
  if #A >= 7 then redis.call('EXPIRE', K[2], A[3]) end
  return true
end
)lua";

// KEYS event state, parking, parking position, then the ledger's four; ARGV owner, done TTL
// s, event id, then the ledger's. Marks the event done and writes the ledger, or nothing if
// the ledger changed since it was read; an event done already is left as it is.
const LuaScript kCompleteWithLedger(std::string(kWriteLedger) + R"lua(
if redis.call('GET', KEYS[1]) == 'done' then return 'ok' end
if not write_ledger({KEYS[4], KEYS[5], KEYS[6], KEYS[7]}, {unpack(ARGV, 4)}) then return 'changed' end
redis.call('SET', KEYS[1], 'done', 'EX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2], KEYS[3]) end
return 'ok'
)lua");

// The deadline watch's write: the ledger's four keys and arguments only.
const LuaScript kUpdateLedger(std::string(kWriteLedger) + R"lua(
if not write_ledger(KEYS, ARGV) then return 'changed' end
return 'ok'
)lua");

// KEYS deadlines; ARGV now ms, lease ms, at most. Takes the due payments by moving their
// score a lease ahead: no other worker takes them meanwhile, and if this one dies before it
// has looked, they come due again.
const LuaScript kTakeDue(R"lua(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, payment in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[1] + ARGV[2], payment) end
return due
)lua");

// The ledger from a GET's reply (nil: none yet) and its outbox from an HGETALL's.
// The parking's rebuild after Redis lost its data (parking_recovery.hpp), for
// RedisParkingStore. KEYS parking, event state, parking position, audit set; ARGV event id,
// TTL s, position, audit member. A parking set since the loss (no position) is live: kept.
const LuaScript kRestoreParking(R"lua(
if redis.call('GET', KEYS[2]) == 'done' then return 'done' end
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('EXISTS', KEYS[3]) == 0 then return 'kept' end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[2])
redis.call('SADD', KEYS[4], ARGV[4])
return 'parked'
)lua");

// KEYS parking, parking position, audit set; ARGV event id, position, audit member, finished.
const LuaScript kLiftParking(R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  redis.call('SREM', KEYS[3], ARGV[3])
  return 'gone'
end
if ARGV[4] ~= '1' then return 'live' end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[3])
return 'lifted'
)lua");

// KEYS lock, generation; ARGV owner, new generation. Minted only by the lock's holder.
const LuaScript kInstallGeneration(R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[1])
return 1
)lua");

// KEYS lock; ARGV owner, lease ms (0: give it back).
const LuaScript kHoldRebuildLock(R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
)lua");

StoreResult<RedisValue> store_reply(std::optional<RedisValue> reply, const RedisConnection& redis,
                                    std::string_view call) {
  if (reply && reply->type != RedisValue::Type::error) return std::move(*reply);
  log_event(spdlog::level::debug, "store_call_failed",
            {{"call", call}, {"error", reply ? reply->text : redis.last_error()}});
  return reply ? StoreError::bad_reply : StoreError::unavailable;
}

StoredLedger stored_ledger(const RedisValue& ledger, const RedisValue& outbox) {
  StoredLedger stored{ledger.text, {}};
  for (std::size_t i = 0; i + 1 < outbox.elements.size(); i += 2) {
    stored.outbox.emplace_back(outbox.elements[i].text, outbox.elements[i + 1].text);
  }
  return stored;
}

std::string_view ScriptWords::own(const KeyPieces& key) {
  const std::size_t size = key.size();
  char* out;
  if (size <= sizeof block_ - used_) {
    out = block_ + used_;
    used_ += size;
  } else {
    out = overflow_.emplace_back(size, '\0').data();
  }
  char* at = out;
  for (const auto piece : key.pieces) at = std::copy(piece.begin(), piece.end(), at);
  return {out, size};
}

std::string_view ScriptWords::own(int64_t number) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, number);
  return own(std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

// The ledger's write (kWriteLedger's K and A) appended to a call: the keys before any
// argument, so the call must hold only keys so far.
void add_ledger_write(ScriptCall& call, std::span<const std::string_view> args_before,
                      const std::string& payment, const LedgerUpdate& u, const std::string& scope,
                      ScriptWords& w) {
  call.words.reserve(call.words.size() + 4 + args_before.size() + 6 + 2 * u.anomalies.size());
  call.words.insert(
      call.words.end(),
      {w.own(ledger_key_pieces(payment)), w.own(anomaly_outbox_key_pieces(payment)),
       w.own(ledger_deadlines_key_pieces(scope)), w.own(ledger_uncaptured_key_pieces(scope))});
  call.key_count = call.words.size();
  call.words.insert(call.words.end(), args_before.begin(), args_before.end());
  call.words.insert(call.words.end(),
                    {std::string_view(u.expected), u.updated, w.own(u.ttl_s),
                     u.deadline_ms ? w.own(*u.deadline_ms) : std::string_view(), payment,
                     u.uncaptured_expiry_ms ? w.own(*u.uncaptured_expiry_ms) : std::string_view()});
  for (const auto& [id, text] : u.anomalies)
    call.words.insert(call.words.end(), {std::string_view(id), text});
}

ScriptCall claim_call(const ClaimRequest& r, const std::string& generation,
                      const std::string& scope, ScriptWords& w) {
  return {&kClaim,
          5,
          {w.own(event_state_key_pieces(r.key)), w.own(parked_key_pieces(r.key)),
           w.own(generation_key_pieces(scope)), w.own(ledger_key_pieces(r.key.order_key)),
           w.own(anomaly_outbox_key_pieces(r.key.order_key)), r.owner, w.own(r.lease_ms),
           r.key.event_id, generation, r.with_ledger ? "1" : "0"}};
}

ScriptCall complete_call(const CompleteRequest& r, const std::string& scope, ScriptWords& w) {
  ScriptCall call{r.ledger ? &kCompleteWithLedger : &kComplete,
                  3,
                  {w.own(event_state_key_pieces(r.key)), w.own(parked_key_pieces(r.key)),
                   w.own(parked_at_key_pieces(r.key))}};
  const std::string_view args[] = {r.owner, w.own(r.ttl_s), r.key.event_id};
  if (r.ledger) {
    add_ledger_write(call, args, r.key.order_key, *r.ledger, scope, w);
  } else {
    call.words.insert(call.words.end(), std::begin(args), std::end(args));
  }
  return call;
}

// A ledger write's reply: 'ok', or 'changed' when the ledger moved since it was read.
StoreResult<LedgerWrite> ledger_write(const RedisValue& reply, std::string& error) {
  if (reply.type == RedisValue::Type::text && reply.text == "ok") return LedgerWrite::recorded;
  if (reply.type == RedisValue::Type::text && reply.text == "changed")
    return LedgerWrite::changed_meanwhile;
  error = reply.type == RedisValue::Type::error ? reply.text : "unexpected Redis reply";
  return StoreError::bad_reply;
}

ClaimReply claim_reply(const RedisValue& reply) {
  ClaimReply out;
  if (reply.type == RedisValue::Type::array && reply.elements.size() == 3) {
    out.claim = {ClaimOutcome::claimed, stored_ledger(reply.elements[1], reply.elements[2])};
    return out;
  }
  if (reply.type != RedisValue::Type::text) {
    out.error = reply.type == RedisValue::Type::error ? reply.text : "unexpected claim reply";
    return out;
  }
  const std::string& text = reply.text;
  if (text == "claimed")
    out.claim.outcome = ClaimOutcome::claimed;
  else if (text == "done")
    out.claim.outcome = ClaimOutcome::done;
  else if (text == "parked")
    out.claim.outcome = ClaimOutcome::parked;
  else if (text == "busy")
    out.claim.outcome = ClaimOutcome::busy;
  else if (text == "generation") {
    out.generation_lost = true;
    out.error = "parking not trusted: Redis lost its data";
  } else {
    out.error = "unexpected claim reply";
  }
  return out;
}

std::function<void(RedisConnection&)> distrust_a_new_server(
    std::shared_ptr<StoreGeneration> generation) {
  return [g = std::move(generation)](RedisConnection& c) {
    const std::string seen = c.run_id();
    const std::string trusted = g->run_id();
    if (!seen.empty() && !trusted.empty() && seen != trusted) {
      g->distrust(
          "Redis restarted or failed over (its run_id changed): the last writes may be lost");
    }
  };
}

}  // namespace paynotify::worker
