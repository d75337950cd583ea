#include "worker/redis_settings.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <stdexcept>

#include "worker/tls_client_files.hpp"

namespace paynotify::worker {

namespace {

// `text` fit for an error message: whatever stands before the last '@' of a URL may hold a
// password (one that did not parse, say with an '@' of its own), so it is not repeated.
std::string redacted(const std::string& text) {
  const auto scheme_end = text.find("://");
  const auto at = text.rfind('@');
  if (at == std::string::npos) return text;
  const auto from = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  return text.substr(0, from) + "***" + text.substr(at);
}

}  // namespace

RedisAddress parse_redis_address(const std::string& text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string::npos) {
    if (text.find('@') != std::string::npos) {
      throw ConfigError("--redis host:port names no user, got '" + redacted(text) +
                        "': use redis://user@host:port, the password in PAYNOTIFY_REDIS_PASSWORD");
    }
    RedisAddress plain;
    std::tie(plain.host, plain.port) = Options::parse_endpoint("redis", text);
    return plain;
  }
  const auto url = boost::urls::parse_uri(text);
  const auto bad = [&](const std::string& why) {
    return ConfigError("--redis " + why + ", got '" + redacted(text) +
                       "' (host:port, redis://[user@]host:port or rediss://[user@]host:port)");
  };
  if (!url || (url->scheme() != "redis" && url->scheme() != "rediss") || url->host().empty()) {
    throw bad("must be a redis:// or rediss:// URL");
  }
  if (url->has_password()) {
    throw ConfigError("--redis must not hold a password (it would show in `ps` and logs): set PAYNOTIFY_REDIS_PASSWORD");
  }
  if (!url->encoded_path().empty() && url->encoded_path() != "/") throw bad("takes no database or path");
  RedisAddress a;
  a.tls = url->scheme() == "rediss";
  a.host = url->host_address();
  a.username = url->user();
  if (url->has_port()) {
    unsigned port = 0;
    const auto digits = url->port();
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || ptr != digits.data() + digits.size() || port == 0 || port > 65535) throw bad("has a bad port");
    a.port = static_cast<uint16_t>(port);
  }
  return a;
}

std::vector<OptionSpec> redis_option_specs(const std::string& redis_help) {
  return {
      {"redis", "127.0.0.1:6379", redis_help + ": host:port, redis://[user@]host:port, or rediss://[user@]host:port for TLS"},
      {"redis-username", "", "Redis ACL user (Redis 6+; default: the user in --redis, else Redis's default user)"},
      {"redis-password", "", "Redis AUTH password of the user", false, false, /*env_only=*/true},
      {"redis-ca-file", "", "rediss://: PEM file of the CAs to trust (default: the system's)"},
      {"redis-cert-file", "", "rediss://: PEM client certificate chain to present (mutual TLS)"},
      {"redis-key-file", "", "PEM private key of --redis-cert-file"},
  };
}

RedisSettings redis_settings_from(const Options& o) {
  const RedisAddress address = parse_redis_address(o.str("redis"));
  RedisSettings s;
  s.host = address.host;
  s.port = address.port;
  s.username = o.given("redis-username") ? o.str("redis-username") : address.username;
  s.password = o.str("redis-password");
  if (!s.username.empty() && s.password.empty()) {
    throw ConfigError("--redis-username needs a password: set PAYNOTIFY_REDIS_PASSWORD");
  }
  const TlsClientFiles files{o.str("redis-ca-file"), o.str("redis-cert-file"), o.str("redis-key-file")};
  if (!address.tls) {
    if (!files.ca_file.empty() || !files.cert_file.empty() || !files.key_file.empty()) {
      throw ConfigError("--redis-ca-file, --redis-cert-file and --redis-key-file need a rediss:// --redis");
    }
    return s;
  }
  s.tls = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  try {
    load_tls_client(*s.tls, files, "redis");
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  return s;
}

}  // namespace paynotify::worker
