#pragma once
// A blocking byte stream to Redis, plain TCP or TLS, each step bounded by a deadline. Debian
// 12's hiredis (0.14) has no TLS, so RedisConnection sends its own RESP over this stream and
// parses replies with hiredis's reader; one code path for both, so every test exercises it.
// TLS writes go through OpenSSL's own socket writes, which cannot pass MSG_NOSIGNAL: a process
// using this ignores SIGPIPE (services do in service_main, the CLI in its main).

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace paynotify::worker {

class RedisSocket {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Connected (and with `tls`, handshaken, the server's certificate verified and its name
  // matched to `host`), or nothing with the reason in `error`.
  static std::unique_ptr<RedisSocket> open(const std::string& host, uint16_t port, SSL_CTX* tls,
                                           Deadline deadline, std::string& error);
  ~RedisSocket();
  RedisSocket(const RedisSocket&) = delete;
  RedisSocket& operator=(const RedisSocket&) = delete;

  bool write_all(std::string_view data, Deadline deadline, std::string& error);
  // At least one byte into `buffer`; 0 with `error` on a failure, a close or the deadline.
  std::size_t read_some(char* buffer, std::size_t size, Deadline deadline, std::string& error);

  // For an event loop (redis_pipeline.hpp): one attempt that never waits. The bytes moved; or
  // 0 with `wants` set to what the socket must become ready for (POLLIN or POLLOUT: TLS may
  // need to read to write); or 0 with `error` set on a failure or a close.
  std::size_t try_write(std::string_view data, short& wants, std::string& error);
  std::size_t try_read(char* buffer, std::size_t size, short& wants, std::string& error);
  int native_handle() const { return fd_; }

 private:
  RedisSocket(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  // Waits until the socket is ready for `events` (POLLIN/POLLOUT).
  bool wait(short events, Deadline deadline, std::string& error) const;
  // After an SSL call returned `result`: true to retry it (once the socket is ready).
  bool tls_retry(int result, Deadline deadline, std::string& error) const;
  // What an SSL call that returned `result` waits for (POLLIN, POLLOUT), or 0 with `error`.
  short tls_wants(int result, std::string& error) const;

  int fd_;
  SSL* ssl_;
};

}  // namespace paynotify::worker
