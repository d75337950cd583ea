#include "worker/redis_dedupe_store.hpp"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <vector>

namespace paynotify::worker {
namespace {

// KEYS[1] event state, KEYS[2] payment parking; ARGV owner, lease ms, event id.
// State is "done" or the owner token of a live lease (the key's TTL is the lease).
constexpr const char* kClaim = R"lua(
local state = redis.call('GET', KEYS[1])
if state == 'done' then return 'done' end
local parked = redis.call('GET', KEYS[2])
if parked and parked ~= ARGV[3] then return 'parked' end
if state and state ~= ARGV[1] then return 'busy' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 'claimed'
)lua";

// ARGV owner, done TTL s, event id. Applied is applied, even if the lease ran out meanwhile.
constexpr const char* kComplete = R"lua(
redis.call('SET', KEYS[1], 'done', 'EX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 'ok'
)lua";

// ARGV owner, event id, unpark (1|0).
constexpr const char* kRelease = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if ARGV[3] == '1' and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 'ok'
)lua";

// KEYS[1] payment parking; ARGV event id, TTL s. Not done events only: a retry that already
// completed must not park its payment again.
constexpr const char* kPark = R"lua(
if redis.call('GET', KEYS[2]) == 'done' then return 'done' end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 'ok'
)lua";

std::string sha1_hex(const std::string& text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

const std::string& claim_sha() { static const std::string s = sha1_hex(kClaim); return s; }
const std::string& complete_sha() { static const std::string s = sha1_hex(kComplete); return s; }
const std::string& release_sha() { static const std::string s = sha1_hex(kRelease); return s; }
const std::string& park_sha() { static const std::string s = sha1_hex(kPark); return s; }

timeval to_timeval(std::chrono::milliseconds ms) {
  return {ms.count() / 1000, ms.count() % 1000 * 1000};
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

}  // namespace

std::string_view claim_outcome_name(ClaimOutcome o) {
  switch (o) {
    case ClaimOutcome::claimed: return "claimed";
    case ClaimOutcome::done: return "done";
    case ClaimOutcome::busy: return "busy";
    case ClaimOutcome::parked: return "parked";
    case ClaimOutcome::unavailable: return "unavailable";
  }
  return "unknown";
}

std::string event_state_key(const EventKey& key) {
  return "paynotify:{" + key.order_key + "}:event:" + key.event_id;
}
std::string parked_key(const EventKey& key) { return "paynotify:{" + key.order_key + "}:parked"; }

RedisDedupeStore::RedisDedupeStore(RedisSettings settings) : settings_(std::move(settings)) {}

RedisDedupeStore::~RedisDedupeStore() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

bool RedisDedupeStore::connect() {
  if (ctx_ != nullptr) return true;
  const timeval tv = to_timeval(settings_.connect_timeout);
  redisContext* c = redisConnectWithTimeout(settings_.host.c_str(), settings_.port, tv);
  if (c == nullptr || c->err) {
    last_error_ = c ? c->errstr : "cannot allocate a Redis context";
    if (c) redisFree(c);
    return false;
  }
  const timeval cmd = to_timeval(settings_.command_timeout);
  redisSetTimeout(c, cmd);
  if (!settings_.password.empty()) {
    const char* argv[] = {"AUTH", settings_.password.c_str()};
    const size_t lens[] = {4, settings_.password.size()};
    ReplyPtr r(static_cast<redisReply*>(redisCommandArgv(c, 2, argv, lens)));
    if (!r || r->type == REDIS_REPLY_ERROR) {
      last_error_ = r ? std::string("AUTH failed: ") + r->str : c->errstr;  // never the password
      redisFree(c);
      return false;
    }
  }
  ctx_ = c;
  return true;
}

bool RedisDedupeStore::eval(const std::string& script, const std::string& sha,
                            const std::vector<std::string>& keys, const std::vector<std::string>& args,
                            std::string& out) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!connect()) return false;
    std::vector<std::string> words = {"EVALSHA", sha, std::to_string(keys.size())};
    words.insert(words.end(), keys.begin(), keys.end());
    words.insert(words.end(), args.begin(), args.end());
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& w : words) {
      argv.push_back(w.data());
      lens.push_back(w.size());
    }
    ReplyPtr r(static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
    if (!r) {
      // I/O error: the context is unusable; drop it and reconnect on the next call.
      last_error_ = ctx_->errstr;
      redisFree(ctx_);
      ctx_ = nullptr;
      return false;
    }
    if (r->type == REDIS_REPLY_ERROR && std::string_view(r->str, r->len).rfind("NOSCRIPT", 0) == 0) {
      const char* load[] = {"SCRIPT", "LOAD", script.c_str()};
      const size_t load_lens[] = {6, 4, script.size()};
      ReplyPtr loaded(static_cast<redisReply*>(redisCommandArgv(ctx_, 3, load, load_lens)));
      if (!loaded || loaded->type == REDIS_REPLY_ERROR) {
        last_error_ = "SCRIPT LOAD failed";
        return false;
      }
      continue;
    }
    if (r->type == REDIS_REPLY_ERROR) {
      last_error_ = std::string(r->str, r->len);
      return false;
    }
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
      out.assign(r->str, r->len);
      return true;
    }
    last_error_ = "unexpected Redis reply type";
    return false;
  }
  return false;
}

ClaimOutcome RedisDedupeStore::claim(const EventKey& key, const std::string& owner, int64_t lease_ms) {
  std::string out;
  if (!eval(kClaim, claim_sha(), {event_state_key(key), parked_key(key)},
            {owner, std::to_string(lease_ms), key.event_id}, out)) {
    return ClaimOutcome::unavailable;
  }
  if (out == "claimed") return ClaimOutcome::claimed;
  if (out == "done") return ClaimOutcome::done;
  if (out == "parked") return ClaimOutcome::parked;
  return ClaimOutcome::busy;
}

bool RedisDedupeStore::complete(const EventKey& key, const std::string& owner, int64_t ttl_s) {
  std::string out;
  return eval(kComplete, complete_sha(), {event_state_key(key), parked_key(key)},
              {owner, std::to_string(ttl_s), key.event_id}, out);
}

bool RedisDedupeStore::release(const EventKey& key, const std::string& owner, bool unpark) {
  std::string out;
  return eval(kRelease, release_sha(), {event_state_key(key), parked_key(key)},
              {owner, key.event_id, unpark ? "1" : "0"}, out);
}

bool RedisDedupeStore::park(const EventKey& key, int64_t ttl_s) {
  std::string out;
  return eval(kPark, park_sha(), {parked_key(key), event_state_key(key)}, {key.event_id, std::to_string(ttl_s)}, out);
}

bool RedisDedupeStore::ping() {
  if (!connect()) return false;
  const char* argv[] = {"PING"};
  const size_t lens[] = {4};
  ReplyPtr r(static_cast<redisReply*>(redisCommandArgv(ctx_, 1, argv, lens)));
  if (!r) {
    last_error_ = ctx_->errstr;
    redisFree(ctx_);
    ctx_ = nullptr;
    return false;
  }
  return r->type == REDIS_REPLY_STATUS;
}

}  // namespace paynotify::worker
