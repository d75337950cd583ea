// Name resolution under the connect deadline (the security review's item 7): with a DNS server
// that never answers, glibc's resolver alone would hold a connection attempt for its own
// timeouts. The outer test makes that server (a UDP socket on 127.0.0.77:53 that reads and never
// answers) and runs the inner tests in a mount namespace whose /etc/resolv.conf names it; it
// needs root (unshare and mount), as CI has.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/net/name_resolution.hpp"
#include "common/service/ids.hpp"
#include "tests/support/apply_results.hpp"
#include "tests/support/child_process.hpp"
#include "worker/order_service_client.hpp"
#include "worker/redis/redis_connection.hpp"

namespace paynotify::worker {
namespace {

using paynotify::testing::body_of;
using paynotify::testing::failure_of;
using paynotify::testing::status_of;

using Clock = std::chrono::steady_clock;
constexpr auto kConnectTimeout = std::chrono::milliseconds(300);

TEST(SlowDns, ConnectionsGiveUpAtTheirDeadlineWhileTheResolverWaits) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: a mount namespace with its own /etc/resolv.conf";
  const int silent = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(53);
  inet_pton(AF_INET, "127.0.0.77", &at.sin_addr);
  ASSERT_EQ(::bind(silent, reinterpret_cast<const sockaddr*>(&at), sizeof at), 0)
      << "127.0.0.77:53 is taken";
  const auto dir = std::filesystem::temp_directory_path() / ("paynotify-slow-dns-" + random_hex(4));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "resolv.conf") << "nameserver 127.0.0.77\noptions timeout:5 attempts:2\n";
  testing::ChildProcess inner(
      {"/usr/bin/unshare", "--mount", "/bin/sh", "-c",
       "mount --bind \"$1\" /etc/resolv.conf && exec \"$2\" --gtest_also_run_disabled_tests "
       "--gtest_filter='SlowDnsInside.*'",
       "sh", (dir / "resolv.conf").string(),
       std::filesystem::read_symlink("/proc/self/exe").string()},
      (dir / "inner.log").string());
  const int code = inner.wait();
  std::ifstream log(dir / "inner.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("[  PASSED  ] 3 tests"), std::string::npos) << text;
  ::close(silent);
  std::filesystem::remove_all(dir);
}

// Run by the test above only, where DNS never answers.
TEST(SlowDnsInside, DISABLED_TheResolverReallyWaits) {
  const auto resolution = NameResolution::start("redis.paynotify.test", 6379);
  EXPECT_FALSE(resolution->wait_until(Clock::now() + std::chrono::seconds(2)))
      << "DNS answered: nothing to prove";
}

TEST(SlowDnsInside, DISABLED_RedisGivesUpAtItsConnectTimeout) {
  RedisSettings s;
  s.host = "redis.paynotify.test";
  s.connect_timeout = kConnectTimeout;
  RedisConnection redis(s);
  const auto started = Clock::now();
  EXPECT_FALSE(redis.connect());
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2)) << redis.last_error();
  EXPECT_NE(redis.last_error().find("timed out"), std::string::npos) << redis.last_error();
}

TEST(SlowDnsInside, DISABLED_TheOrderServiceClientGivesUpAtItsConnectTimeout) {
  boost::asio::io_context ctx;
  OrderServiceSettings s;
  s.url = "http://orders.paynotify.test:8080";
  s.connect_timeout = kConnectTimeout;
  OrderServiceClient client(ctx.get_executor(), s);
  const auto started = Clock::now();
  auto result = boost::asio::co_spawn(
      ctx, client.apply(std::make_shared<const OrderCall>(OrderCall{"e1", "", "{}"})),
      boost::asio::use_future);
  ctx.run();
  const ApplyResult r = result.get();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2)) << failure_of(r);
  EXPECT_EQ(status_of(r), 0u);
  EXPECT_NE(failure_of(r).find("timed out"), std::string::npos) << failure_of(r);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, OrderCallError::timeout);
}

}  // namespace
}  // namespace paynotify::worker
