#pragma once
// Name resolution under a deadline. glibc's getaddrinfo takes no timeout of ours: a slow or
// unreachable DNS server holds its caller for the resolver's own timeouts and tries (5 s each
// by default), past every deadline the worker promises. So it runs on a thread of its own and
// the caller stops waiting at its deadline; a resolution given up on finishes on its thread
// and frees itself.

#include <netdb.h>

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace paynotify {

class NameResolution {
 public:
  using AddressList = std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)>;

  // Starts resolving host:port (TCP, IPv4 and IPv6) on a thread of its own.
  static std::shared_ptr<NameResolution> start(const std::string& host, uint16_t port);

  // Resolutions started by this process (a test's view of how many a burst of connections made).
  static uint64_t started_total();

  bool ready() const;
  // Waits until ready or the deadline; true when ready.
  bool wait_until(std::chrono::steady_clock::time_point deadline) const;

  // Once ready: the addresses (null on failure, with error() saying why). Taken once.
  AddressList take_addresses();
  const std::string& error() const { return error_; }

 private:
  NameResolution() = default;
  mutable std::mutex mu_;
  mutable std::condition_variable done_;
  bool ready_ = false;
  AddressList addresses_{nullptr, &::freeaddrinfo};
  std::string error_;
};

// The addresses of a resolution as endpoints to connect to, in getaddrinfo's order.
std::vector<boost::asio::ip::tcp::endpoint> tcp_endpoints(const addrinfo* addresses);

}  // namespace paynotify
