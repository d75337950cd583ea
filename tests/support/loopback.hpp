#pragma once
// A TCP peer the test owns on 127.0.0.1 (port 0): for clients under test that must meet a
// server that answers, stays silent, resets or closes, on cue.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace paynotify::testing {

inline constexpr auto kPatient = std::chrono::seconds(10);  // no step of a passing test nears it

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

inline void patient(int fd) {
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

 private:
  Fd fd_;
  uint16_t port_ = 0;
};

}  // namespace paynotify::testing
