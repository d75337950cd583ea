#pragma once
// The shared Redis of tests/run.sh as the worker's Redis classes see it: over plain TCP, or
// with PAYNOTIFY_TEST_REDIS_TLS=1 over TLS as the stack's ACL user (tests/CMakeLists.txt runs
// the Redis script tests both ways).

#include <cstdlib>
#include <memory>
#include <string>
#include <tuple>

#include "tests/support/kafka_topic.hpp"
#include "tests/support/secure_env.hpp"
#include "worker/redis/redis_connection.hpp"
#include "worker/store/store_generation.hpp"

namespace paynotify::testing {

// The plain port as Redis's default user, whatever PAYNOTIFY_TEST_REDIS_TLS says.
inline worker::RedisSettings plain_redis_settings() {
  worker::RedisSettings s;
  std::tie(s.host, s.port) = Options::parse_endpoint("redis", redis_address());
  return s;
}

inline worker::RedisSettings redis_settings() {
  if (const char* tls = std::getenv("PAYNOTIFY_TEST_REDIS_TLS");
      tls != nullptr && std::string(tls) == "1") {
    return secure_redis_settings();
  }
  return plain_redis_settings();
}

// The generation Redis holds now, trusted, as a worker's recovery would leave it (minted here
// when there is none, or when it belongs to an earlier run of the server).
inline std::shared_ptr<worker::StoreGeneration> trusted_generation(
    const std::string& scope = "antom.notifications") {
  worker::RedisConnection redis(redis_settings());
  const std::string run_id = redis.run_id();
  auto seen = redis.command({"GET", worker::generation_key(scope)});
  if (!seen || seen->type != worker::RedisValue::Type::text ||
      worker::run_id_of_generation(seen->text) != run_id) {
    redis.command({"SET", worker::generation_key(scope), worker::mint_generation(run_id)});
    seen = redis.command({"GET", worker::generation_key(scope)});
  }
  auto g = std::make_shared<worker::StoreGeneration>();
  if (seen && seen->type == worker::RedisValue::Type::text) g->adopt(seen->text, run_id);
  return g;
}

}  // namespace paynotify::testing
