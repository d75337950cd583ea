#pragma once
// The order-service side of DESIGN.md's contract: POST {url}/payment-events with
// Idempotency-Key and traceparent, over a small keep-alive connection pool, under timeouts.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "worker/retry_policy.hpp"

namespace paynotify::worker {

struct OrderServiceSettings {
  std::string url;  // http://host:port[/base]; events go to <base>/payment-events
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};
  std::size_t max_idle_connections = 64;
};

struct OrderCall {
  std::string idempotency_key;  // the event id
  std::string traceparent;
  std::string body;             // JSON
};

// Not thread-safe: use it from one executor (the worker's engine).
class OrderServiceClient {
 public:
  // Throws std::invalid_argument naming --order-service-url when the URL is unusable.
  OrderServiceClient(boost::asio::any_io_executor executor, OrderServiceSettings settings);
  ~OrderServiceClient();

  boost::asio::awaitable<ApplyResult> apply(OrderCall call);

 private:
  boost::asio::awaitable<ApplyResult> exchange(boost::beast::tcp_stream& stream, const OrderCall& call,
                                               bool& reusable);

  boost::asio::any_io_executor executor_;
  OrderServiceSettings settings_;
  std::string host_, port_, target_, host_header_;
  std::vector<std::unique_ptr<boost::beast::tcp_stream>> idle_;
};

}  // namespace paynotify::worker
