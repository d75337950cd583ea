#pragma once
// The shared Redis of tests/run.sh as the worker's Redis classes see it: over plain TCP, or
// with PAYNOTIFY_TEST_REDIS_TLS=1 over TLS as the stack's ACL user (tests/CMakeLists.txt runs
// the Redis script tests both ways).

#include <cstdlib>
#include <memory>
#include <string>

#include "tests/support/kafka_topic.hpp"
#include "tests/support/secure_env.hpp"
#include "worker/redis_connection.hpp"
#include "worker/store_generation.hpp"

namespace paynotify::testing {

inline worker::RedisSettings redis_settings() {
  if (const char* tls = std::getenv("PAYNOTIFY_TEST_REDIS_TLS"); tls != nullptr && std::string(tls) == "1") {
    return secure_redis_settings();
  }
  const std::string addr = redis_address();
  worker::RedisSettings s;
  s.host = addr.substr(0, addr.rfind(':'));
  s.port = static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
  return s;
}

// The generation Redis holds now, trusted, as a worker's recovery would leave it (minted here
// when there is none, or when it belongs to an earlier run of the server).
inline std::shared_ptr<worker::StoreGeneration> trusted_generation(const std::string& scope = "antom.notifications") {
  worker::RedisConnection redis(redis_settings());
  const std::string run_id = redis.run_id();
  auto seen = redis.command({"GET", worker::generation_key(scope)});
  if (!seen || seen->type != worker::RedisValue::Type::text || worker::run_id_of_generation(seen->text) != run_id) {
    redis.command({"SET", worker::generation_key(scope), worker::mint_generation(run_id)});
    seen = redis.command({"GET", worker::generation_key(scope)});
  }
  auto g = std::make_shared<worker::StoreGeneration>();
  if (seen && seen->type == worker::RedisValue::Type::text) g->adopt(seen->text, run_id);
  return g;
}

}  // namespace paynotify::testing
