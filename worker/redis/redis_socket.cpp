#include "worker/redis/redis_socket.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/net/name_resolution.hpp"
#include "common/net/tls_peer_name.hpp"

namespace paynotify::worker {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// The last OpenSSL error on this thread, and the certificate check's reason when it failed.
std::string tls_error(SSL* ssl) {
  std::string out;
  if (const unsigned long e = ERR_peek_last_error(); e != 0) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    out = text;
  }
  if (ssl != nullptr) {
    if (const long verify = SSL_get_verify_result(ssl); verify != X509_V_OK) {
      out += std::string(out.empty() ? "" : ": ") + X509_verify_cert_error_string(verify);
    }
  }
  ERR_clear_error();
  return out.empty() ? "TLS error" : out;
}

// Until `fd` is ready for `events`; false with `error` at the deadline.
bool wait_fd(int fd, short events, Clock::time_point deadline, std::string& error) {
  for (;;) {
    // Rounded up: poll() counts whole milliseconds, and a wait must never end before its deadline.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      error = "timed out";
      return false;
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) {
      error = errno_text("poll");
      return false;
    }
  }
}

// A non-blocking TCP connection to one of `host`'s addresses, or -1 with `error`.
// The name is resolved under the same deadline as the connection.
int connect_tcp(const std::string& host, uint16_t port, Clock::time_point deadline,
                std::string& error) {
  const auto resolution = NameResolution::start(host, port);
  if (!resolution->wait_until(deadline)) {
    error = "cannot resolve " + host + ": timed out";
    return -1;
  }
  const auto addresses = resolution->take_addresses();
  if (!addresses) {
    error = resolution->error();
    return -1;
  }
  for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = errno_text("socket");
      continue;
    }
    int ok = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 1 : (errno == EINPROGRESS ? 0 : -1);
    if (ok == 0 && wait_fd(fd, POLLOUT, deadline, error)) {
      int so_error = 0;
      socklen_t len = sizeof so_error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      errno = so_error;
      ok = so_error == 0 ? 1 : -1;
    }
    if (ok == 1) {
      const int one = 1;  // commands are small and answered one by one: no Nagle delay
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
    if (ok < 0) error = errno_text("connect");
    ::close(fd);
  }
  error = "cannot connect to " + host + ":" + std::to_string(port) + ": " + error;
  return -1;
}

}  // namespace

std::unique_ptr<RedisSocket> RedisSocket::open(const std::string& host, uint16_t port, SSL_CTX* tls,
                                               Deadline deadline, std::string& error) {
  const int fd = connect_tcp(host, port, deadline, error);
  if (fd < 0) return nullptr;
  if (tls == nullptr) return std::unique_ptr<RedisSocket>(new RedisSocket(fd, nullptr));
  SSL* ssl = SSL_new(tls);
  std::unique_ptr<RedisSocket> socket(new RedisSocket(fd, ssl));  // owns both from here
  if (ssl == nullptr) {
    error = "TLS: " + tls_error(nullptr);
    return nullptr;
  }
  // The certificate must name the host dialled (tls_peer_name.hpp; managed services route on
  // the SNI it sends for a name).
  if (!expect_peer_name(ssl, host) || SSL_set_fd(ssl, fd) != 1) {
    error = "TLS: cannot set up the connection to " + host + ": " + tls_error(nullptr);
    return nullptr;
  }
  for (;;) {
    ERR_clear_error();  // SSL_get_error reads the queue (and errno): only this call's may be there
    errno = 0;
    const int rc = SSL_connect(ssl);
    if (rc == 1) return socket;
    std::string why;  // tls_retry always says why it gave up
    if (!socket->tls_retry(rc, deadline, why)) {
      error = "TLS handshake with " + host + ":" + std::to_string(port) + " failed: " + why;
      return nullptr;
    }
  }
}

RedisSocket::~RedisSocket() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  ::close(fd_);
}

bool RedisSocket::wait(short events, Deadline deadline, std::string& error) const {
  return wait_fd(fd_, events, deadline, error);
}

short RedisSocket::tls_wants(int result, std::string& error) const {
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ: return POLLIN;
    case SSL_ERROR_WANT_WRITE: return POLLOUT;
    case SSL_ERROR_ZERO_RETURN: error = "connection closed by Redis"; return 0;
    case SSL_ERROR_SYSCALL:
      error = errno != 0 ? errno_text("TLS I/O") : "connection closed by Redis";
      ERR_clear_error();
      return 0;
    default: error = tls_error(ssl_); return 0;
  }
}

bool RedisSocket::tls_retry(int result, Deadline deadline, std::string& error) const {
  const short wants = tls_wants(result, error);
  return wants != 0 && wait(wants, deadline, error);
}

std::size_t RedisSocket::try_write(std::string_view data, short& wants, std::string& error) {
  wants = 0;
  if (ssl_ != nullptr) {
    ERR_clear_error();
    errno = 0;
    const int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
    if (n > 0) return static_cast<std::size_t>(n);
    wants = tls_wants(n, error);
    return 0;
  }
  const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
  if (n > 0) return static_cast<std::size_t>(n);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    wants = POLLOUT;
  } else {
    error = errno_text("write to Redis");
  }
  return 0;
}

std::size_t RedisSocket::try_read(char* buffer, std::size_t size, short& wants,
                                  std::string& error) {
  wants = 0;
  if (ssl_ != nullptr) {
    ERR_clear_error();
    errno = 0;
    const int n = SSL_read(ssl_, buffer, static_cast<int>(size));
    if (n > 0) return static_cast<std::size_t>(n);
    wants = tls_wants(n, error);
    return 0;
  }
  const ssize_t n = ::recv(fd_, buffer, size, 0);
  if (n > 0) return static_cast<std::size_t>(n);
  if (n == 0) {
    error = "connection closed by Redis";
  } else if (errno == EAGAIN || errno == EINTR) {
    wants = POLLIN;
  } else {
    error = errno_text("read from Redis");
  }
  return 0;
}

bool RedisSocket::write_all(std::string_view data, Deadline deadline, std::string& error) {
  while (!data.empty()) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      errno = 0;
      const int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
      } else if (!tls_retry(n, deadline, error)) {
        return false;
      }
      continue;
    }
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait(POLLOUT, deadline, error)) return false;
    } else {
      error = errno_text("write to Redis");
      return false;
    }
  }
  return true;
}

std::size_t RedisSocket::read_some(char* buffer, std::size_t size, Deadline deadline,
                                   std::string& error) {
  for (;;) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      errno = 0;
      const int n = SSL_read(ssl_, buffer, static_cast<int>(size));
      if (n > 0) return static_cast<std::size_t>(n);
      if (!tls_retry(n, deadline, error)) return 0;
      continue;
    }
    const ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) {
      error = "connection closed by Redis";
      return 0;
    }
    if (errno != EAGAIN && errno != EINTR) {
      error = errno_text("read from Redis");
      return 0;
    }
    if (!wait(POLLIN, deadline, error)) return 0;
  }
}

}  // namespace paynotify::worker
