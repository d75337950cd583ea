#include "worker/order_service_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <stdexcept>

namespace paynotify::worker {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);

OrderServiceClient::OrderServiceClient(net::any_io_executor executor, OrderServiceSettings settings)
    : executor_(std::move(executor)), settings_(std::move(settings)) {
  const auto url = boost::urls::parse_uri(settings_.url);
  if (!url || url->scheme() != "http" || url->host().empty()) {
    throw std::invalid_argument("--order-service-url must be an http:// URL, got '" + settings_.url + "'");
  }
  host_ = url->host_address();
  port_ = url->has_port() ? std::string(url->port()) : "80";
  host_header_ = url->encoded_host_and_port();
  std::string base(url->encoded_path());
  while (!base.empty() && base.back() == '/') base.pop_back();
  target_ = base + "/payment-events";
}

OrderServiceClient::~OrderServiceClient() = default;

net::awaitable<ApplyResult> OrderServiceClient::exchange(beast::tcp_stream& stream, const OrderCall& call,
                                                         bool& reusable) {
  http::request<http::string_body> req{http::verb::post, target_, 11};
  req.set(http::field::host, host_header_);
  req.set(http::field::content_type, "application/json");
  req.set("Idempotency-Key", call.idempotency_key);
  req.set("traceparent", call.traceparent);
  req.set(http::field::user_agent, "paynotify-worker");
  req.keep_alive(true);
  req.body() = call.body;
  req.prepare_payload();
  ApplyResult result;
  reusable = false;
  stream.expires_after(settings_.request_timeout);
  auto [wec, wn] = co_await http::async_write(stream, req, kTuple);
  if (wec) {
    result.transport = wec == beast::error::timeout ? "timeout" : wec.message();
    co_return result;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kTuple);
  if (rec) {
    result.transport = rec == beast::error::timeout ? "timeout" : rec.message();
    co_return result;
  }
  result.status = parser.get().result_int();
  result.body = parser.get().body().substr(0, 512);
  reusable = parser.get().keep_alive();
  co_return result;
}

net::awaitable<ApplyResult> OrderServiceClient::apply(OrderCall call) {
  // A pooled connection may have been closed by the server while idle; a failure on one is
  // retried once on a fresh connection (the Idempotency-Key makes a double POST harmless).
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<beast::tcp_stream> stream;
    const bool pooled = !idle_.empty();
    if (pooled) {
      stream = std::move(idle_.back());
      idle_.pop_back();
    } else {
      stream = std::make_unique<beast::tcp_stream>(executor_);
      tcp::resolver resolver(executor_);
      auto [dec, endpoints] = co_await resolver.async_resolve(host_, port_, kTuple);
      if (dec) co_return ApplyResult{0, "cannot resolve order service: " + dec.message(), {}};
      stream->expires_after(settings_.connect_timeout);
      auto [cec, ep] = co_await stream->async_connect(endpoints, kTuple);
      if (cec) {
        co_return ApplyResult{0, cec == beast::error::timeout ? "connect timeout" : cec.message(), {}};
      }
      stream->socket().set_option(tcp::no_delay(true));
    }
    bool reusable = false;
    ApplyResult result = co_await exchange(*stream, call, reusable);
    if (result.status == 0 && pooled && attempt == 0 && result.transport != "timeout") continue;
    if (reusable && idle_.size() < settings_.max_idle_connections) idle_.push_back(std::move(stream));
    co_return result;
  }
  co_return ApplyResult{0, "connection lost", {}};
}

}  // namespace paynotify::worker
