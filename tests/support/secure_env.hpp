#pragma once
// The stack's secure listeners as `deploy/local/stack.sh env --secure` prints them:
// PAYNOTIFY_SECURE_ENV names the file of the lines (SASL_SSL Kafka, TLS Redis with its ACL user).

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "common/service/options.hpp"
#include "worker/redis/redis_settings.hpp"

namespace paynotify::testing {

// Empty when PAYNOTIFY_SECURE_ENV is not set.
inline std::map<std::string, std::string> secure_env() {
  std::map<std::string, std::string> env;
  const char* file = std::getenv("PAYNOTIFY_SECURE_ENV");
  if (file == nullptr) return env;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

// The stack's TLS Redis as its ACL user, trusting `ca_file` (default: the stack's CA).
inline worker::RedisSettings secure_redis_settings(std::string ca_file = "") {
  std::signal(SIGPIPE, SIG_IGN);  // as the services do (worker/redis/redis_socket.hpp)
  const auto env = secure_env();
  if (env.empty())
    throw std::runtime_error("PAYNOTIFY_SECURE_ENV is not set: run the tests through tests/run.sh");
  // As the worker reads its options: --redis rediss://paynotify@..., the CA, the password
  // from the environment.
  Options options("test", "", worker::redis_option_specs("Redis"));
  options.parse({"--redis", env.at("PAYNOTIFY_REDIS"), "--redis-ca-file",
                 ca_file.empty() ? env.at("PAYNOTIFY_REDIS_CA_FILE") : ca_file},
                {"PAYNOTIFY_REDIS_PASSWORD=" + env.at("PAYNOTIFY_REDIS_PASSWORD")});
  return worker::redis_settings_from(options);
}

}  // namespace paynotify::testing
