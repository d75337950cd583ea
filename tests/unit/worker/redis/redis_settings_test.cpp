#include "worker/redis/redis_settings.hpp"

#include <gtest/gtest.h>
#include <boost/asio/ssl/context.hpp>

#include <optional>

namespace paynotify::worker {
namespace {

RedisSettings settings_from(std::vector<std::string> args, std::vector<std::string> env = {}) {
  Options o("prog", "summary", redis_option_specs("Redis"));
  o.parse(args, env);
  return redis_settings_from(o);
}

// The ConfigError's text, or "" when there was none.
std::string error_of(std::vector<std::string> args, std::vector<std::string> env = {}) {
  try {
    settings_from(std::move(args), std::move(env));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// parse_redis_address's ConfigError text; nothing when it accepted `text`.
std::optional<std::string> refusal(const std::string& text) {
  try {
    parse_redis_address(text);
  } catch (const ConfigError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

TEST(RedisAddress, HostPortStaysPlainTcp) {
  const auto a = parse_redis_address("redis.internal:6380");
  EXPECT_EQ(a.host, "redis.internal");
  EXPECT_EQ(a.port, 6380);
  EXPECT_FALSE(a.tls);
  EXPECT_EQ(a.username, "");
}

TEST(RedisAddress, UrlsNameTlsTheUserAndTheDefaultPort) {
  const auto tls = parse_redis_address("rediss://paynotify@master.cache.example:6379");
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(tls.host, "master.cache.example");
  EXPECT_EQ(tls.port, 6379);
  EXPECT_EQ(tls.username, "paynotify");
  const auto plain = parse_redis_address("redis://10.0.0.7");
  EXPECT_FALSE(plain.tls);
  EXPECT_EQ(plain.host, "10.0.0.7");
  EXPECT_EQ(plain.port, 6379);
  EXPECT_EQ(parse_redis_address("rediss://[::1]:7000").host, "::1");
}

TEST(RedisAddress, MistakesAreRefusedNamingTheOption) {
  for (const std::string bad : {"http://host:6379", "rediss://", "rediss://host:99999",
                                "rediss://host:6379/2", "host", "rediss://host:port"}) {
    const auto why = refusal(bad);
    ASSERT_TRUE(why) << "accepted " << bad;
    EXPECT_NE(why->find("--redis"), std::string::npos) << *why;
  }
}

TEST(RedisAddress, APasswordInTheUrlIsRefusedAndNotRepeated) {
  const auto why = refusal("rediss://paynotify:s3cret@host:6379");
  ASSERT_TRUE(why) << "a password in the URL was accepted";
  EXPECT_NE(why->find("PAYNOTIFY_REDIS_PASSWORD"), std::string::npos) << *why;
  EXPECT_EQ(why->find("s3cret"), std::string::npos) << *why;
}

TEST(RedisAddress, ErrorsNeverRepeatWhatMayBeAPassword) {
  // An '@' in a password (unencoded) or a user:password in host:port form: refused, redacted.
  for (const std::string bad : {"rediss://paynotify:p@ss@host:6379",
                                "rediss://paynotify:p ss@host:6379", "paynotify:pass@host:6379"}) {
    const auto why = refusal(bad);
    ASSERT_TRUE(why) << "accepted " << bad;
    EXPECT_EQ(why->find("ss@"), std::string::npos) << *why;
  }
}

TEST(RedisAddress, AQueryAFragmentOrAForgottenHostIsRefusedAndNotRepeated) {
  // A password where paynotify reads none (it would be ignored), or `user:password` with the
  // host forgotten (it reads as a host and a port).
  for (const std::string bad :
       {"redis://host:6379?password=S3cret", "rediss://paynotify@host:6379/?S3cret",
        "redis://host#S3cret", "redis://user:S3cret", "user:S3cret",
        "rediss://paynotify:S3cret@host:6379"}) {
    const auto why = refusal(bad);
    ASSERT_TRUE(why) << "accepted " << bad;
    EXPECT_NE(why->find("--redis"), std::string::npos) << *why;
    EXPECT_EQ(why->find("S3cret"), std::string::npos) << *why;
  }
  EXPECT_NE(refusal("redis://host:6379?password=x")->find("query"), std::string::npos);
}

TEST(RedisSettings, ThePasswordIsRefusedAsAFlagNamingTheVariable) {
  for (const auto& args :
       {std::vector<std::string>{"--redis-password", "S3cret"}, {"--redis-password=S3cret"}}) {
    const std::string why = error_of(args);
    EXPECT_NE(why.find("PAYNOTIFY_REDIS_PASSWORD"), std::string::npos) << why;
    EXPECT_EQ(why.find("S3cret"), std::string::npos) << why;
  }
}

TEST(RedisSettings, APasswordIsMaskedWhereverItOccursEvenOneOfMaskCharacters) {
  EXPECT_EQ(without_password("AUTH failed: WRONGPASS pw and pw", "pw"),
            "AUTH failed: WRONGPASS *** and ***");
  // The mask holds the password itself: each is replaced once, never found again in a mask.
  EXPECT_EQ(without_password("echo * and **", "*"), "echo *** and ******");
  EXPECT_EQ(without_password("echo ***", "***"), "echo ***");
  EXPECT_EQ(without_password("echo **", "***"), "echo **");
  EXPECT_EQ(without_password("nothing here", ""), "nothing here");
}

TEST(RedisSettings, TheUserFlagWinsOverTheUrlsAndThePasswordComesFromTheEnvironment) {
  const auto s =
      settings_from({"--redis", "redis://from-url@host:1", "--redis-username", "from-flag"},
                    {"PAYNOTIFY_REDIS_PASSWORD=pw"});
  EXPECT_EQ(s.username, "from-flag");
  EXPECT_EQ(s.password, "pw");
  EXPECT_EQ(s.tls, nullptr);
  EXPECT_EQ(settings_from({"--redis", "redis://from-url@host:1"}, {"PAYNOTIFY_REDIS_PASSWORD=pw"})
                .username,
            "from-url");
}

TEST(RedisSettings, TlsVerifiesThePeerWithTheSystemsCasByDefault) {
  const auto s = settings_from({"--redis", "rediss://host:6379"});
  ASSERT_NE(s.tls, nullptr);
  EXPECT_EQ(SSL_CTX_get_verify_mode(s.tls->native_handle()), SSL_VERIFY_PEER);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(s.tls->native_handle()), TLS1_2_VERSION);
}

TEST(RedisSettings, TlsMistakesStopTheStartNamingTheOption) {
  EXPECT_NE(
      error_of({"--redis", "host:6379", "--redis-ca-file", "/etc/ssl/certs/ca-certificates.crt"})
          .find("need a rediss:// --redis"),
      std::string::npos);
  EXPECT_NE(error_of({"--redis", "rediss://host:6379", "--redis-ca-file", "/nonexistent/ca.pem"})
                .find("--redis-ca-file"),
            std::string::npos);
  EXPECT_NE(error_of({"--redis", "rediss://host:6379", "--redis-cert-file", "/nonexistent/c.pem"})
                .find("go together"),
            std::string::npos);
  EXPECT_NE(error_of({"--redis", "rediss://user@host:6379"}).find("needs a password"),
            std::string::npos);
}

}  // namespace
}  // namespace paynotify::worker
