#pragma once
// DedupeStore on Redis through hiredis: one connection per calling thread, each operation one
// atomic Lua script, reconnect after any I/O error.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "worker/dedupe_store.hpp"

struct redisContext;

namespace paynotify::worker {

struct RedisSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string password;
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds command_timeout{1000};
};

// One connection. Not thread-safe: give each thread its own.
class RedisDedupeStore final : public DedupeStore {
 public:
  explicit RedisDedupeStore(RedisSettings settings);
  ~RedisDedupeStore() override;
  RedisDedupeStore(const RedisDedupeStore&) = delete;
  RedisDedupeStore& operator=(const RedisDedupeStore&) = delete;

  ClaimOutcome claim(const EventKey& key, const std::string& owner, int64_t lease_ms) override;
  bool complete(const EventKey& key, const std::string& owner, int64_t ttl_s) override;
  bool park(const EventKey& key, int64_t ttl_s) override;
  bool release(const EventKey& key, const std::string& owner, bool unpark) override;
  bool ping() override;

  const std::string& last_error() const { return last_error_; }

 private:
  bool connect();
  // Runs a script by its SHA, loading it on NOSCRIPT. False (with last_error_) on any failure.
  bool eval(const std::string& script, const std::string& sha, const std::vector<std::string>& keys,
            const std::vector<std::string>& args, std::string& out);

  RedisSettings settings_;
  redisContext* ctx_ = nullptr;
  std::string last_error_;
};

}  // namespace paynotify::worker
