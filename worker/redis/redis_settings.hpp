#pragma once
// Which Redis to use and how to log in, from the options the worker and `paynotify ledger`
// share: `--redis` as host:port, redis://[user@]host[:port] or rediss://[user@]host[:port]
// (TLS, as managed Redis services serve it), an ACL user, the password from the environment.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/service/options.hpp"

namespace boost::asio::ssl {
class context;
}

namespace paynotify::worker {

struct RedisSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string username;  // an ACL user (Redis 6+); empty: the default user
  std::string password;
  // TLS, loaded once from the files at start and shared by every connection; null: plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds command_timeout{1000};
  std::size_t max_reply_bytes =
      4u << 20;  // a longer reply drops the connection (redis_reply_reader.hpp)
};

// --redis's text: where, whether TLS, and the user it names. Throws ConfigError naming the
// option, never repeating the text; a password, a query or a fragment in the URL is refused
// (a password would show in `ps` and in logs).
struct RedisAddress {
  std::string host;
  uint16_t port = 6379;
  bool tls = false;
  std::string username;
};
RedisAddress parse_redis_address(const std::string& text);

// `text` (an error a server or proxy sent back) with every occurrence of `password` masked.
std::string without_password(std::string text, std::string_view password);

// The Redis options, `redis_help` describing --redis for this program.
std::vector<OptionSpec> redis_option_specs(const std::string& redis_help);

// Throws ConfigError naming the option (a TLS file that cannot be loaded among them).
RedisSettings redis_settings_from(const Options& o);

}  // namespace paynotify::worker
