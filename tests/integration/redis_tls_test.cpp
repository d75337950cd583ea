// Redis over TLS as an ACL user, against the stack's TLS port (deploy/local/stack.sh): what
// managed Redis services ask of a client. The scripts themselves run over TLS too: ctest runs
// RedisDedupe.* and DeadlineWatch.* a second time with PAYNOTIFY_TEST_REDIS_TLS=1.
#include <gtest/gtest.h>
#include <boost/asio/ssl/context.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/net/tls_client_files.hpp"
#include "common/service/ids.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/secure_env.hpp"
#include "worker/redis/redis_connection.hpp"

namespace paynotify::testing {
namespace {

using worker::RedisConnection;

class RedisTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (secure_env().empty())
      GTEST_SKIP() << "PAYNOTIFY_SECURE_ENV not set: run through tests/run.sh";
    dir_ = "/tmp/paynotify-redis-tls-" + random_hex(4);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs openssl quietly in dir_.
  void openssl(const std::string& args) {
    ASSERT_EQ(std::system(("cd " + dir_ + " && openssl " + args + " >>openssl.log 2>&1").c_str()),
              0)
        << args;
  }
  // A client certificate signed by the CA in `ca_dir` (its ca.pem and ca.key), for mutual TLS.
  void client_certificate(const std::string& ca_dir, const std::string& name) {
    openssl("req -newkey rsa:2048 -nodes -keyout " + name + ".key -out " + name +
            ".csr -subj /CN=paynotify-worker");
    openssl("x509 -req -in " + name + ".csr -CA " + ca_dir + "/ca.pem -CAkey " + ca_dir +
            "/ca.key -CAcreateserial -out " + name + ".pem -days 1");
  }
  std::string stack_ca_dir() const {
    return std::filesystem::path(secure_env().at("PAYNOTIFY_REDIS_CA_FILE")).parent_path().string();
  }

  std::string dir_;
};

TEST_F(RedisTls, ConnectsVerifiedAndLoggedInAsTheAclUser) {
  RedisConnection redis(secure_redis_settings());
  const auto who = redis.command({"ACL", "WHOAMI"});
  ASSERT_TRUE(who) << redis.last_error();
  EXPECT_EQ(who->text, "paynotify");
  EXPECT_TRUE(redis.ping());
  EXPECT_FALSE(redis.run_id().empty())
      << "INFO stays allowed: the store generation needs the run id";
}

TEST_F(RedisTls, TheAclUserReachesPaynotifysKeysOnly) {
  RedisConnection redis(secure_redis_settings());
  EXPECT_TRUE(redis.command({"SET", "paynotify:tls-test:" + random_hex(4), "1", "EX", "60"}))
      << redis.last_error();
  EXPECT_FALSE(redis.command({"SET", "someone-else:" + random_hex(4), "1"}));
  EXPECT_NE(redis.last_error().find("NOPERM"), std::string::npos) << redis.last_error();
  EXPECT_FALSE(redis.command({"FLUSHALL"}));
  EXPECT_TRUE(redis.ping()) << "a refused command keeps the connection";
}

TEST_F(RedisTls, AServerCertificateFromAnUntrustedCaIsRefused) {
  openssl(
      "req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other-ca.pem -days 1 -subj "
      "/CN=other");
  RedisConnection redis(secure_redis_settings(dir_ + "/other-ca.pem"));
  EXPECT_FALSE(redis.connect());
  EXPECT_NE(redis.last_error().find("certificate verify failed"), std::string::npos)
      << redis.last_error();
  EXPECT_NE(redis.last_error().find("TLS handshake with 127.0.0.1:"), std::string::npos)
      << redis.last_error();
}

TEST_F(RedisTls, AWrongPasswordIsRefusedWithoutShowingIt) {
  auto settings = secure_redis_settings();
  settings.password = "not-the-password";
  RedisConnection redis(settings);
  EXPECT_FALSE(redis.connect());
  EXPECT_EQ(redis.last_error().rfind("AUTH failed: WRONGPASS", 0), 0u) << redis.last_error();
  EXPECT_EQ(redis.last_error().find("not-the-password"), std::string::npos);
}

TEST_F(RedisTls, AClientCertificateIsCheckedByTheServer) {
  // Signed by the stack's CA: accepted (the server asks for one, optional, and verifies it).
  client_certificate(stack_ca_dir(), "client");
  auto settings = secure_redis_settings();
  load_tls_client(
      *settings.tls,
      {secure_env().at("PAYNOTIFY_REDIS_CA_FILE"), dir_ + "/client.pem", dir_ + "/client.key"},
      "redis");
  RedisConnection accepted(settings);
  EXPECT_TRUE(accepted.ping()) << accepted.last_error();

  // Signed by another CA: the server ends the handshake.
  openssl("req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=other");
  client_certificate(dir_, "stranger");
  auto refused_settings = secure_redis_settings();
  load_tls_client(
      *refused_settings.tls,
      {secure_env().at("PAYNOTIFY_REDIS_CA_FILE"), dir_ + "/stranger.pem", dir_ + "/stranger.key"},
      "redis");
  RedisConnection refused(refused_settings);
  EXPECT_FALSE(refused.ping());
  // TLS 1.3: the server's refusal (an "unknown ca" alert, or a reset that overtakes it)
  // arrives after the handshake, at the login's first read.
  EXPECT_EQ(refused.last_error().rfind("connection lost while logging in: ", 0), 0u)
      << refused.last_error();
}

TEST_F(RedisTls, ACertificateForAnotherNameIsRefused) {
  // Signed by the trusted CA, but for another host: a stand-in server presents it.
  openssl(
      "req -newkey rsa:2048 -nodes -keyout elsewhere.key -out elsewhere.csr -subj "
      "/CN=redis.elsewhere.example");
  std::ofstream(dir_ + "/san.ext") << "subjectAltName=DNS:redis.elsewhere.example,IP:127.0.0.2\n";
  openssl("x509 -req -in elsewhere.csr -CA " + stack_ca_dir() + "/ca.pem -CAkey " + stack_ca_dir() +
          "/ca.key -CAcreateserial -out elsewhere.pem -days 1 -extfile san.ext");
  const uint16_t port = free_port();
  ChildProcess server(
      {"/usr/bin/openssl", "s_server", "-quiet", "-accept", "127.0.0.1:" + std::to_string(port),
       "-cert", dir_ + "/elsewhere.pem", "-key", dir_ + "/elsewhere.key"},
      dir_ + "/s_server.log");
  ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(10)));
  auto settings = secure_redis_settings();
  settings.port = port;
  RedisConnection by_ip(settings);
  EXPECT_FALSE(by_ip.connect());
  EXPECT_NE(by_ip.last_error().find("IP address mismatch"), std::string::npos)
      << by_ip.last_error();
  settings.host = "localhost";
  RedisConnection by_name(settings);
  EXPECT_FALSE(by_name.connect());
  EXPECT_NE(by_name.last_error().find("hostname mismatch"), std::string::npos)
      << by_name.last_error();
}

TEST_F(RedisTls, AServerThatNeverAnswersTheHandshakeTimesOut) {
  // A listening socket nobody accepts on: the kernel completes TCP, no TLS ever answers.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  auto settings = secure_redis_settings();
  settings.port = ntohs(address.sin_port);
  settings.connect_timeout = std::chrono::milliseconds(300);
  RedisConnection redis(settings);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(redis.connect());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_NE(redis.last_error().find("timed out"), std::string::npos) << redis.last_error();
  ::close(listener);
}

TEST_F(RedisTls, AnErrorInAPipelineLeavesTheConnectionInStep) {
  RedisConnection redis(secure_redis_settings());
  const std::string key = "paynotify:tls-test:" + random_hex(4);
  EXPECT_FALSE(redis.pipeline(
      {{"SET", key, "1", "EX", "60"}, {"SET", "someone-else:" + random_hex(4), "1"}, {"PING"}}));
  EXPECT_NE(redis.last_error().find("NOPERM"), std::string::npos) << redis.last_error();
  // Every reply was taken off: the next command reads its own.
  const auto value = redis.command({"GET", key});
  ASSERT_TRUE(value) << redis.last_error();
  EXPECT_EQ(value->text, "1");
}

TEST_F(RedisTls, AConnectionClosedByTheServerIsMadeAgain) {
  RedisConnection redis(secure_redis_settings());
  // This connection only: `CLIENT KILL USER paynotify` also cut the connections of the tests
  // running beside this one (ALargeValueCrossesTheTlsRecordsIntact failed so in CI: broken pipe).
  const auto id = redis.command({"CLIENT", "ID"});
  ASSERT_TRUE(id) << redis.last_error();
  ASSERT_TRUE(RedisConnection(plain_redis_settings())
                  .command({"CLIENT", "KILL", "ID", std::to_string(id->integer)}));
  EXPECT_FALSE(redis.ping()) << "the first call finds the connection gone";
  EXPECT_TRUE(redis.ping()) << "the next one connects again: " << redis.last_error();
}

TEST_F(RedisTls, ALargeValueCrossesTheTlsRecordsIntact) {
  RedisConnection redis(secure_redis_settings());
  const std::string key = "paynotify:tls-test:" + random_hex(4);
  std::string value(300'000, 'x');  // many TLS records and partial reads both ways
  for (std::size_t i = 0; i < value.size(); i += 997) value[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(redis.command({"SET", key, value, "EX", "60"})) << redis.last_error();
  const auto back = redis.command({"GET", key});
  ASSERT_TRUE(back) << redis.last_error();
  EXPECT_EQ(back->text, value);
}

}  // namespace
}  // namespace paynotify::testing
