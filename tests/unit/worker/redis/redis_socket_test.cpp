// RedisSocket against a listener the test owns on 127.0.0.1: bytes both ways, every step ending
// at its deadline when the peer is silent, and a peer that leaves is an error, not a wait.
#include "worker/redis/redis_socket.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "tests/support/loopback.hpp"

namespace paynotify::worker {
namespace {

using testing::Fd;
using testing::kPatient;
using testing::Loopback;

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kShortDeadline = milliseconds(200);

// A RedisSocket connected to `server` (null if it could not be: the reason is reported), and
// the server's end of the connection.
struct Connected {
  std::unique_ptr<RedisSocket> socket;
  Fd peer;
};
Connected connect_to(const Loopback& server) {
  std::string error;
  auto socket =
      RedisSocket::open("127.0.0.1", server.port(), nullptr, Clock::now() + kPatient, error);
  EXPECT_TRUE(socket) << error;
  if (!socket) return {nullptr, Fd(-1)};
  return {std::move(socket), server.accept()};
}

// Reads until `n` bytes came or the socket fails; the failure's text in `error`.
std::string read_exactly(RedisSocket& socket, std::size_t n, std::string& error) {
  std::string out;
  char buffer[256];
  while (out.size() < n) {
    const std::size_t got = socket.read_some(buffer, sizeof buffer, Clock::now() + kPatient, error);
    if (got == 0) break;
    out.append(buffer, got);
  }
  return out;
}

TEST(RedisSocket, ACommandAndItsReplyCrossUnderTheirDeadlines) {
  const auto [socket, peer] = connect_to(Loopback());
  ASSERT_TRUE(socket);
  std::string error;
  const std::string ping = "*1\r\n$4\r\nPING\r\n";
  ASSERT_TRUE(socket->write_all(ping, Clock::now() + kPatient, error)) << error;
  EXPECT_EQ(peer.receive(ping.size()), ping);
  peer.send("+PONG\r\n");
  EXPECT_EQ(read_exactly(*socket, 7, error), "+PONG\r\n") << error;
}

TEST(RedisSocket, NobodyListeningIsAnErrorNamingTheAddress) {
  const Loopback bound_only(/*listening=*/false);
  std::string error;
  EXPECT_FALSE(
      RedisSocket::open("127.0.0.1", bound_only.port(), nullptr, Clock::now() + kPatient, error));
  EXPECT_NE(error.find("cannot connect to 127.0.0.1:" + std::to_string(bound_only.port())),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("refused"), std::string::npos) << error;
}

// The deadline is the only bound on a silent peer: the call ends at it, not before and not long
// after (10 times it: a loaded machine is slow, a hang is forever).
void expect_ended_at_the_deadline(Clock::time_point started, Clock::time_point deadline,
                                  const std::string& error) {
  const auto ended = Clock::now();
  EXPECT_EQ(error, "timed out");
  EXPECT_GE(ended, deadline) << "gave up "
                             << std::chrono::duration<double, std::milli>(deadline - ended).count()
                             << " ms early";
  EXPECT_LT(ended - started, 10 * kShortDeadline);
}

TEST(RedisSocket, AReplyThatNeverComesEndsTheReadAtItsDeadline) {
  const auto [socket, peer] = connect_to(Loopback());
  ASSERT_TRUE(socket);
  std::string error;
  char buffer[16];
  const auto started = Clock::now();
  const auto deadline = started + kShortDeadline;
  EXPECT_EQ(socket->read_some(buffer, sizeof buffer, deadline, error), 0u);
  expect_ended_at_the_deadline(started, deadline, error);
}

TEST(RedisSocket, APeerThatNeverReadsEndsTheWriteAtItsDeadline) {
  const auto [socket, peer] = connect_to(Loopback(/*listening=*/true, /*receive_buffer=*/4096));
  ASSERT_TRUE(socket);
  std::string error;
  // Far more than the peer's small receive buffer and this side's send buffer hold together.
  const std::string batch(16 << 20, '*');
  const auto started = Clock::now();
  const auto deadline = started + kShortDeadline;
  EXPECT_FALSE(socket->write_all(batch, deadline, error));
  expect_ended_at_the_deadline(started, deadline, error);
}

TEST(RedisSocket, APeerThatClosesEndsTheReadAtOnce) {
  auto [socket, peer] = connect_to(Loopback());
  ASSERT_TRUE(socket);
  peer.close();
  std::string error;
  char buffer[16];
  const auto started = Clock::now();
  EXPECT_EQ(socket->read_some(buffer, sizeof buffer, started + kPatient, error), 0u);
  EXPECT_EQ(error, "connection closed by Redis");
  EXPECT_LT(Clock::now() - started, kPatient / 2) << "waited for the deadline";
}

TEST(RedisSocket, APeerThatResetsFailsTheReadAndTheWritesAfterIt) {
  auto [socket, peer] = connect_to(Loopback());
  ASSERT_TRUE(socket);
  peer.reset();
  std::string error;
  char buffer[16];
  EXPECT_EQ(socket->read_some(buffer, sizeof buffer, Clock::now() + kPatient, error), 0u);
  EXPECT_NE(error.find("read from Redis"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(socket->write_all("*1\r\n$4\r\nPING\r\n", Clock::now() + kPatient, error));
  EXPECT_NE(error.find("write to Redis"), std::string::npos) << error;
}

}  // namespace
}  // namespace paynotify::worker
