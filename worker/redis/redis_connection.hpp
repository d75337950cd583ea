#pragma once
// One blocking Redis connection, plain or TLS (redis_socket.hpp): connect (and AUTH, as an ACL
// user when one is set) on first use, run commands and Lua scripts by SHA (loading them on
// NOSCRIPT), drop the connection after any I/O error so the next call reconnects. Replies are
// parsed by hiredis's reader. Shared by the dedupe store and the parking recovery. Not
// thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "worker/redis/redis_settings.hpp"

namespace paynotify::worker {

class RedisReplyReader;
class RedisSocket;

// A script and its SHA1, computed once.
struct LuaScript {
  explicit LuaScript(std::string text);
  std::string text;
  std::string sha;
};

// One script run: its keys then its arguments, as views the caller keeps alive.
struct ScriptCall {
  const LuaScript* script = nullptr;
  std::size_t key_count = 0;
  std::vector<std::string_view> words;
};

// A reply flattened to what paynotify's scripts and commands return.
struct RedisValue {
  // error: an error reply; command() and eval() hand none out (its text goes to
  // last_error()), eval_batch() does, one per call it answers.
  enum class Type { nil, text, integer, array, error } type = Type::nil;
  std::string text;  // bulk string, status, or the error's message
  long long integer = 0;
  std::vector<RedisValue> elements;
};

// RESP, the form every Redis reads, appended to `out`: a command's words; a script run by SHA.
void append_command(std::string& out, std::span<const std::string_view> words);
void append_script(std::string& out, const ScriptCall& call);

class RedisConnection {
 public:
  explicit RedisConnection(RedisSettings settings);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Called after every new connection (and before its first command): for checks that must
  // run once per connection, such as noticing that the server is another one than before.
  void on_connect(std::function<void(RedisConnection&)> hook) { on_connect_ = std::move(hook); }

  // Connects (running the hook) unless connected; false when Redis cannot be reached.
  bool connect();
  // Nothing on any failure (the reason in last_error(); a Redis error reply counts as one).
  std::optional<RedisValue> command(const std::vector<std::string>& words);
  // Several commands in one round trip; nothing if any failed.
  std::optional<std::vector<RedisValue>> pipeline(
      const std::vector<std::vector<std::string>>& commands);
  std::optional<RedisValue> eval(const LuaScript& script, const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args);
  // Several scripts in one round trip; a script the server lacks (after a restart or a flush)
  // is loaded and its calls sent again. Nothing when the connection failed before any reply;
  // else one reply per call, in order, where an error reply (for that call alone, or for the
  // calls a failed reload or resend left unanswered) is Type::error.
  std::optional<std::vector<RedisValue>> eval_batch(std::span<const ScriptCall> calls);
  bool ping();
  // INFO server's run_id: a new value after every restart and on a failover to a replica.
  // Empty when the server does not tell (some managed services disable INFO).
  std::string run_id();

  // SCRIPT LOAD each, so that EVALSHA finds them on this server; false on any failure.
  bool load(std::span<const LuaScript* const> scripts);
  // Hands the connected socket over (to an event loop: redis_pipeline.hpp); this connection is
  // closed from then on, and connects anew on its next use. Nothing when not connected.
  std::unique_ptr<RedisSocket> take_socket();

  const std::string& last_error() const { return last_error_; }

 private:
  std::optional<RedisValue> send(std::span<const std::string_view> words);
  // Sends what out_ holds and reads `replies` replies, each allowed command_timeout after the
  // one before (a batch is as patient with each reply as a single command). Stops at the first
  // I/O or protocol error (connection dropped): fewer replies than asked for.
  std::vector<RedisValue> round_trip(std::size_t replies);
  // The next reply off the connection; nothing after an I/O or protocol error (connection dropped).
  std::optional<RedisValue> receive(std::chrono::steady_clock::time_point deadline);
  std::nullopt_t lost_connection(std::string why);

  RedisSettings settings_;
  std::unique_ptr<RedisSocket> socket_;
  std::unique_ptr<RedisReplyReader> reader_;
  std::string out_;  // the commands being sent, in RESP
  std::string last_error_;
  std::function<void(RedisConnection&)> on_connect_;
};

}  // namespace paynotify::worker
