#include "worker/redis/redis_settings.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/url/parse.hpp>

#include <stdexcept>

#include "common/net/tls_client_files.hpp"

namespace paynotify::worker {

namespace {

// Errors never repeat --redis's text: a mistyped one may hold a password anywhere (a host
// forgotten turns `user:password` into a host and a port), so they say what was wrong instead.
ConfigError bad_address(const std::string& why) {
  return ConfigError(
      "--redis " + why +
      " (host:port, redis://[user@]host:port or rediss://[user@]host:port; the value is not "
      "repeated, as it may hold a password)");
}

}  // namespace

std::string without_password(std::string text, std::string_view password) {
  if (password.empty()) return text;
  constexpr std::string_view kMask = "***";
  // Searching on past each mask: a password that occurs in the mask ("*") is not found again.
  for (auto at = text.find(password); at != std::string::npos;
       at = text.find(password, at + kMask.size())) {
    text.replace(at, password.size(), kMask);
  }
  return text;
}

RedisAddress parse_redis_address(const std::string& text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string::npos) {
    if (text.find('@') != std::string::npos) {
      throw ConfigError(
          "--redis host:port names no user: use redis://user@host:port, the password in "
          "PAYNOTIFY_REDIS_PASSWORD (the value is not repeated, as it may hold a password)");
    }
    RedisAddress plain;
    try {
      std::tie(plain.host, plain.port) = Options::parse_endpoint("redis", text);
    } catch (const ConfigError&) {
      throw bad_address("must be host:port with a port of 0-65535");
    }
    return plain;
  }
  const auto url = boost::urls::parse_uri(text);
  if (!url || (url->scheme() != "redis" && url->scheme() != "rediss") || url->host().empty()) {
    throw bad_address("must be a redis:// or rediss:// URL with a host");
  }
  if (url->has_password()) {
    throw ConfigError(
        "--redis must not hold a password (it would show in `ps` and logs): set "
        "PAYNOTIFY_REDIS_PASSWORD");
  }
  // Nothing paynotify reads goes there: a ?password= would be silently ignored (and shown).
  if (url->has_query() || url->has_fragment()) {
    throw bad_address(
        "must not hold a query or a fragment (the password goes in PAYNOTIFY_REDIS_PASSWORD)");
  }
  if (!url->encoded_path().empty() && url->encoded_path() != "/")
    throw bad_address("takes no database or path");
  RedisAddress a;
  a.tls = url->scheme() == "rediss";
  a.host = url->host_address();
  a.username = url->user();
  if (url->has_port()) {
    const auto port = Options::parse_port(url->port());
    if (!port || *port == 0) throw bad_address("has a bad port");
    a.port = *port;
  }
  return a;
}

std::vector<OptionSpec> redis_option_specs(const std::string& redis_help) {
  return {
      {"redis", "127.0.0.1:6379",
       redis_help + ": host:port, redis://[user@]host:port, or rediss://[user@]host:port for TLS"},
      {"redis-username", "",
       "Redis ACL user (Redis 6+; default: the user in --redis, else Redis's default user)"},
      {"redis-password", "", "Redis AUTH password of the user", false, false, /*env_only=*/true},
      {"redis-ca-file", "", "rediss://: PEM file of the CAs to trust (default: the system's)"},
      {"redis-cert-file", "", "rediss://: PEM client certificate chain to present (mutual TLS)"},
      {"redis-key-file", "", "PEM private key of --redis-cert-file"},
      {"redis-max-reply-bytes", "4194304",
       "longest Redis reply accepted; a longer one drops the connection (bounds what Redis, or "
       "anything "
       "on the path to it, can make the worker hold)"},
  };
}

RedisSettings redis_settings_from(const Options& o) {
  const RedisAddress address = parse_redis_address(o.str("redis"));
  RedisSettings s;
  s.host = address.host;
  s.port = address.port;
  s.username = o.given("redis-username") ? o.str("redis-username") : address.username;
  s.password = o.str("redis-password");
  s.max_reply_bytes =
      static_cast<std::size_t>(o.integer("redis-max-reply-bytes", 64 * 1024, 1LL << 30));
  if (!s.username.empty() && s.password.empty()) {
    throw ConfigError("--redis-username needs a password: set PAYNOTIFY_REDIS_PASSWORD");
  }
  const TlsClientFiles files{o.str("redis-ca-file"), o.str("redis-cert-file"),
                             o.str("redis-key-file")};
  if (!address.tls) {
    if (!files.ca_file.empty() || !files.cert_file.empty() || !files.key_file.empty()) {
      throw ConfigError(
          "--redis-ca-file, --redis-cert-file and --redis-key-file need a rediss:// --redis");
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
