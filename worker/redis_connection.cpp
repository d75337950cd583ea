#include "worker/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <string_view>

namespace paynotify::worker {
namespace {

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

timeval to_timeval(std::chrono::milliseconds ms) { return {ms.count() / 1000, ms.count() % 1000 * 1000}; }

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

RedisValue flatten(const redisReply& r) {
  RedisValue v;
  switch (r.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      v.type = RedisValue::Type::text;
      v.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      v.type = RedisValue::Type::integer;
      v.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::array;
      for (std::size_t i = 0; i < r.elements; ++i) v.elements.push_back(flatten(*r.element[i]));
      break;
    default:
      break;  // nil
  }
  return v;
}

// hiredis's argv form of one command: pointers into `words`, which must outlive it.
struct CommandArgv {
  template <typename Words>
  explicit CommandArgv(const Words& words) {
    argv.reserve(words.size());
    lens.reserve(words.size());
    for (const auto& w : words) {
      argv.push_back(w.data());
      lens.push_back(w.size());
    }
  }
  int count() const { return static_cast<int>(argv.size()); }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
};

}  // namespace

LuaScript::LuaScript(std::string t) : text(std::move(t)), sha(sha1_hex(text)) {}

RedisConnection::RedisConnection(RedisSettings settings) : settings_(std::move(settings)) {}

RedisConnection::~RedisConnection() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

bool RedisConnection::connect() {
  if (ctx_ != nullptr) return true;
  redisContext* c = redisConnectWithTimeout(settings_.host.c_str(), settings_.port, to_timeval(settings_.connect_timeout));
  if (c == nullptr || c->err) {
    last_error_ = c ? c->errstr : "cannot allocate a Redis context";
    if (c) redisFree(c);
    return false;
  }
  redisSetTimeout(c, to_timeval(settings_.command_timeout));
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
  if (on_connect_) on_connect_(*this);
  return ctx_ != nullptr;
}

// An I/O error leaves the context unusable: drop it; the next call reconnects.
std::nullopt_t RedisConnection::lost_connection() {
  last_error_ = ctx_->errstr;
  redisFree(ctx_);
  ctx_ = nullptr;
  return std::nullopt;
}

std::optional<RedisValue> RedisConnection::send(std::span<const std::string_view> words, bool& noscript) {
  noscript = false;
  if (!connect()) return std::nullopt;
  CommandArgv command(words);  // hiredis 0.14 takes non-const argv
  ReplyPtr r(static_cast<redisReply*>(redisCommandArgv(ctx_, command.count(), command.argv.data(), command.lens.data())));
  if (!r) return lost_connection();
  if (r->type == REDIS_REPLY_ERROR) {
    last_error_.assign(r->str, r->len);
    noscript = std::string_view(last_error_).rfind("NOSCRIPT", 0) == 0;
    return std::nullopt;
  }
  return flatten(*r);
}

std::optional<std::vector<RedisValue>> RedisConnection::pipeline(const std::vector<std::vector<std::string>>& commands) {
  if (!connect()) return std::nullopt;
  for (const auto& words : commands) {
    CommandArgv command(words);  // hiredis 0.14 takes non-const argv
    redisAppendCommandArgv(ctx_, command.count(), command.argv.data(), command.lens.data());
  }
  std::vector<RedisValue> out;
  bool failed = false;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) return lost_connection();
    ReplyPtr r(static_cast<redisReply*>(raw));
    if (r->type == REDIS_REPLY_ERROR) {
      last_error_.assign(r->str, r->len);
      failed = true;  // keep reading: every reply must be taken off the connection
    }
    out.push_back(flatten(*r));
  }
  if (failed) return std::nullopt;
  return out;
}

std::optional<RedisValue> RedisConnection::command(const std::vector<std::string>& words) {
  bool noscript = false;
  const std::vector<std::string_view> views(words.begin(), words.end());
  return send(views, noscript);
}

std::optional<RedisValue> RedisConnection::eval(const LuaScript& script, const std::vector<std::string>& keys,
                                                const std::vector<std::string>& args) {
  const std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> words = {"EVALSHA", script.sha, key_count};
  words.reserve(3 + keys.size() + args.size());
  words.insert(words.end(), keys.begin(), keys.end());
  words.insert(words.end(), args.begin(), args.end());
  bool noscript = false;
  auto out = send(words, noscript);
  if (out || !noscript) return out;
  if (!command({"SCRIPT", "LOAD", script.text})) return std::nullopt;  // after a restart or a flush
  return send(words, noscript);
}

bool RedisConnection::ping() {
  const auto r = command({"PING"});
  return r && r->type == RedisValue::Type::text;
}

std::string RedisConnection::run_id() {
  const auto r = command({"INFO", "server"});
  if (!r || r->type != RedisValue::Type::text) return {};
  static constexpr std::string_view kField = "run_id:";
  const auto at = r->text.find(kField);
  if (at == std::string::npos) return {};
  const auto begin = at + kField.size();
  return r->text.substr(begin, r->text.find_first_of("\r\n", begin) - begin);
}

}  // namespace paynotify::worker
