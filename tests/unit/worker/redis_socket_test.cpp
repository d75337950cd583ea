// RedisSocket against a listener the test owns on 127.0.0.1: bytes both ways, every step ending
// at its deadline when the peer is silent, and a peer that leaves is an error, not a wait.
#include "worker/redis_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

namespace paynotify::worker {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kShortDeadline = milliseconds(200);
constexpr auto kPatient = std::chrono::seconds(10);  // no step of a passing test comes near it

// One socket file descriptor, closed with the object.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ~Fd() { close(); }
  int get() const { return fd_; }
  void close() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }
  // Ends the connection with a reset (RST), as a crashed or killed peer's kernel may.
  void reset() {
    const linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    close();
  }
  void send(const std::string& bytes) const {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Exactly `n` bytes, or fewer if the other side stops sending for kPatient.
  std::string receive(std::size_t n) const {
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::recv(fd_, out.data() + got, n - got, 0);
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    out.resize(got);
    return out;
  }

 private:
  int fd_;
};

void patient(int fd) {
  const timeval patience{std::chrono::duration_cast<std::chrono::seconds>(kPatient).count(), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
}

// A socket bound to 127.0.0.1, port 0; listening unless told otherwise. The kernel completes
// connections before they are accepted, so a test can connect first and accept after.
class Loopback {
 public:
  explicit Loopback(bool listening = true, int receive_buffer = 0)
      : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    // Accepted connections inherit it: a small one makes a peer that never reads fill up soon.
    if (receive_buffer > 0)
      ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    patient(fd_.get());  // accept() gives up too
    if (listening) {
      EXPECT_EQ(::listen(fd_.get(), 4), 0);
    }
  }
  uint16_t port() const { return port_; }
  Fd accept() const {
    Fd peer(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    EXPECT_GE(peer.get(), 0) << "no connection came";
    patient(peer.get());
    return peer;
  }
  std::unique_ptr<RedisSocket> connect(std::string& error) const {
    return RedisSocket::open("127.0.0.1", port_, nullptr, Clock::now() + kPatient, error);
  }

 private:
  Fd fd_;
  uint16_t port_ = 0;
};

// A RedisSocket connected to `server` (null if it could not be: the reason is reported), and
// the server's end of the connection.
struct Connected {
  std::unique_ptr<RedisSocket> socket;
  Fd peer;
};
Connected connect_to(const Loopback& server) {
  std::string error;
  auto socket = server.connect(error);
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
  EXPECT_FALSE(bound_only.connect(error));
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
