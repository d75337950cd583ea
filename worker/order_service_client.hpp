#pragma once
// The order-service side of DESIGN.md's contract: POST {url}/payment-events with
// Idempotency-Key and traceparent, over a small keep-alive connection pool, under timeouts,
// in plain HTTP or TLS (https:// URLs; the server's certificate and host name are verified,
// and with a client certificate the worker proves who it is: mutual TLS).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "worker/order_client.hpp"

namespace paynotify::worker {

struct OrderServiceSettings {
  std::string url;        // http(s)://host:port[/base]; events go to <base>/payment-events
  std::string ca_file;    // https: trust these CAs instead of the system's
  std::string cert_file;  // https: present this certificate chain (PEM) for mutual TLS ...
  std::string key_file;   // ... with this private key (PEM); both or neither
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};
  std::size_t max_idle_connections = 64;
};

// Not thread-safe: use it from one executor (the worker's engine).
class OrderServiceClient final : public OrderClient {
 public:
  // Throws std::invalid_argument naming the option when the URL, CA file or client
  // certificate is unusable.
  OrderServiceClient(boost::asio::any_io_executor executor, OrderServiceSettings settings);
  ~OrderServiceClient();

  boost::asio::awaitable<ApplyResult> apply(SharedOrderCall call) override;

  struct Connection;  // a plain or TLS stream

 private:
  boost::asio::awaitable<OrderCallResult<std::unique_ptr<Connection>>> connect();
  // The service's addresses, or why there are none. An IP address needs no resolution;
  // a name is resolved once for the connections opened within a connect timeout (a burst
  // opens --concurrency of them at once, and resolutions are capped: name_resolution.hpp).
  struct Resolving;
  boost::asio::awaitable<OrderCallResult<std::vector<boost::asio::ip::tcp::endpoint>>> resolve(
      std::chrono::steady_clock::time_point deadline);

  boost::asio::any_io_executor executor_;
  OrderServiceSettings settings_;
  bool tls_ = false;
  boost::asio::ssl::context ssl_{boost::asio::ssl::context::tls_client};
  std::string host_, target_, host_header_;
  uint16_t port_number_ = 0;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::optional<boost::asio::ip::address> literal_;  // the host, when it is an IP address
  std::shared_ptr<Resolving> resolving_;             // the resolution connections wait for
};

}  // namespace paynotify::worker
