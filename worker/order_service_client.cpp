#include "worker/order_service_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include "common/net/name_resolution.hpp"
#include "common/net/tls_client_files.hpp"
#include "common/net/tls_peer_name.hpp"
#include "common/service/http_field.hpp"
#include "common/service/http_parse_error.hpp"
#include "worker/order_answer_parser.hpp"

namespace paynotify::worker {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr int kMaxInterimResponses = 8;
constexpr std::size_t kBodyKept = 512;  // of an answer's body, for the logs and dead letters
// An answer's body is read to its end (the connection is reused) but not kept: an applied
// event's answer is not failed for its size. Bounded all the same, and by the request timeout.
constexpr std::uint64_t kBodyRead = 16 * 1024 * 1024;

struct OrderServiceClient::Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;  // kept, empty, between exchanges: not allocated per event
  std::string request;        // the request being sent; its room is kept for the next
  beast::tcp_stream& tcp() { return plain ? *plain : beast::get_lowest_layer(*tls); }
};

namespace {

OrderCallFailure bad_answer(std::string why) {
  return failure(OrderCallError::bad_answer, std::move(why));
}

// An I/O error on an open connection: the deadline; an answer that could not be read (it was
// received: the call is not made again on this connection's account); or the connection
// failing or closing before a whole answer.
OrderCallFailure io_failure(const beast::error_code& ec) {
  if (ec == beast::error::timeout) return failure(OrderCallError::timeout, "timeout");
  if (is_http_parse_error(ec)) {
    return bad_answer("an unreadable answer: " + ec.message());
  }
  return failure(OrderCallError::connection_lost, ec.message());
}

// The request as it goes on the wire, written here in one piece: Beast's serializer walked
// its fields in buffer sequences and the fields were allocated one by one, for a request whose
// shape never changes. The header values were checked by is_sendable_field_value.
void write_request(std::string& out, std::string_view target, std::string_view host_header,
                   const OrderCall& call) {
  const std::string length = std::to_string(call.body.size());
  out.clear();
  out.reserve(200 + target.size() + host_header.size() + call.idempotency_key.size() +
              call.traceparent.size() + call.body.size());
  out.append("POST ").append(target).append(" HTTP/1.1\r\nHost: ").append(host_header);
  out.append("\r\nContent-Type: application/json\r\nIdempotency-Key: ")
      .append(call.idempotency_key);
  if (!call.traceparent.empty()) out.append("\r\ntraceparent: ").append(call.traceparent);
  out.append("\r\nUser-Agent: paynotify-worker\r\nConnection: keep-alive\r\nContent-Length: ");
  out.append(length).append("\r\n\r\n").append(call.body);
}

// One request and its answer on an open connection, plain or TLS.
template <typename Stream>
net::awaitable<ApplyResult> exchange(Stream& stream, beast::tcp_stream& tcp,
                                     beast::flat_buffer& buffer, const std::string& request,
                                     std::chrono::milliseconds timeout, bool* reusable) {
  *reusable = false;
  tcp.expires_after(timeout);
  auto [wec, wn] = co_await net::async_write(stream, net::buffer(request), kTuple);
  if (wec) co_return io_failure(wec);
  // Interim answers (100 Continue, 103 Early Hints, ...) come before the final one and are
  // skipped (RFC 9110 §15.2: a client must accept them even unasked); taking one for the answer
  // would leave the real answer unread, to be taken for the next event's.
  std::optional<OrderAnswerParser> parser;
  for (int answers = 1;; ++answers) {
    parser.emplace(kBodyKept);
    parser->body_limit(kBodyRead);
    const auto [rec, rn] = co_await http::async_read(stream, buffer, *parser, kTuple);
    if (rec) co_return io_failure(rec);
    const unsigned status = parser->status();
    if (status < 100)
      co_return bad_answer("an answer with status " + std::to_string(status) +
                           ", which HTTP does not have");
    if (status == 101) co_return bad_answer("the order service switched protocols (101) on a POST");
    if (status >= 200) {
      // Bytes after the answer belong to no request of ours: such a connection is not reused.
      *reusable = parser->keep_alive() && buffer.size() == 0;
      co_return OrderAnswer{status, parser->body()};
    }
    if (answers > kMaxInterimResponses)
      co_return bad_answer("more than " + std::to_string(kMaxInterimResponses) +
                           " interim (1xx) answers");
  }
}

// A pooled connection with bytes waiting was sent something nobody asked for (or a late
// answer): reading on it would take those bytes for the next event's answer.
bool holds_unread_bytes(OrderServiceClient::Connection& conn) {
  beast::error_code ec;
  const std::size_t waiting = conn.tcp().socket().available(ec);
  if (ec || waiting > 0) return true;
  if (!conn.tls) return false;
  SSL* ssl = conn.tls->native_handle();  // bytes already taken off the socket, decrypted or not
  return SSL_has_pending(ssl) == 1 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0;
}

}  // namespace

OrderServiceClient::OrderServiceClient(net::any_io_executor executor, OrderServiceSettings settings)
    : executor_(std::move(executor)), settings_(std::move(settings)) {
  const auto url = boost::urls::parse_uri(settings_.url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
    // Not repeated: a mistyped URL may hold credentials.
    throw std::invalid_argument(
        "--order-service-url must be an http:// or https:// URL with a host");
  }
  tls_ = url->scheme() == "https";
  host_ = url->host_address();
  port_number_ = url->has_port() ? url->port_number() : (tls_ ? 443 : 80);
  boost::system::error_code not_an_address;
  if (const auto ip = net::ip::make_address(host_, not_an_address); !not_an_address) literal_ = ip;
  host_header_ = url->encoded_host_and_port();
  std::string base(url->encoded_path());
  while (!base.empty() && base.back() == '/') base.pop_back();
  target_ = base + "/payment-events";
  if (!tls_ && (!settings_.cert_file.empty() || !settings_.key_file.empty())) {
    throw std::invalid_argument("--order-service-cert-file needs an https:// --order-service-url");
  }
  // The server's chain is verified against the given CAs (or the system's); with a client
  // certificate the worker proves who it is.
  if (tls_)
    load_tls_client(ssl_, {settings_.ca_file, settings_.cert_file, settings_.key_file},
                    "order-service");
}

OrderServiceClient::~OrderServiceClient() = default;

net::awaitable<OrderCallResult<std::unique_ptr<OrderServiceClient::Connection>>>
OrderServiceClient::connect() {
  auto conn = std::make_unique<Connection>();
  if (tls_)
    conn->tls.emplace(executor_, ssl_);
  else
    conn->plain.emplace(executor_);
  // The name is resolved under the connect timeout too (name_resolution.hpp).
  const auto deadline = std::chrono::steady_clock::now() + settings_.connect_timeout;
  auto resolving = resolve(deadline);
  const OrderCallResult<std::vector<tcp::endpoint>> endpoints = co_await std::move(resolving);
  if (!endpoints) co_return endpoints.error();
  conn->tcp().expires_at(deadline);
  auto [cec, ep] = co_await conn->tcp().async_connect(*endpoints, kTuple);
  if (cec == beast::error::timeout) co_return failure(OrderCallError::timeout, "connect timeout");
  if (cec) co_return failure(OrderCallError::unreachable, cec.message());
  conn->tcp().socket().set_option(tcp::no_delay(true));
  if (tls_) {
    // The certificate must name the host dialled (tls_peer_name.hpp).
    if (!expect_peer_name(conn->tls->native_handle(), host_)) {
      co_return failure(OrderCallError::unreachable,
                        "TLS: cannot set up the connection to " + host_);
    }
    auto [hec] = co_await conn->tls->async_handshake(net::ssl::stream_base::client, kTuple);
    if (hec == beast::error::timeout)
      co_return failure(OrderCallError::timeout, "TLS handshake failed: timeout");
    if (hec)
      co_return failure(OrderCallError::unreachable, "TLS handshake failed: " + hec.message());
  }
  co_return conn;
}

struct OrderServiceClient::Resolving {
  std::shared_ptr<NameResolution> resolution;
  std::chrono::steady_clock::time_point started;
  bool taken = false;  // the first waiter to see it ready turned it into the fields below
  std::vector<tcp::endpoint> endpoints;
  std::string error;
};

net::awaitable<OrderCallResult<std::vector<tcp::endpoint>>> OrderServiceClient::resolve(
    std::chrono::steady_clock::time_point deadline) {
  if (literal_) co_return std::vector<tcp::endpoint>{tcp::endpoint(*literal_, port_number_)};
  // One resolution serves every connection opened within a connect timeout of its start, so
  // a burst makes one however its connects interleave with it; an older one is not used: it
  // hangs (a DNS server that does not answer), or its answer is old by now.
  const auto now = std::chrono::steady_clock::now();
  if (!resolving_ || now - resolving_->started > settings_.connect_timeout) {
    resolving_ = std::make_shared<Resolving>();
    resolving_->resolution = NameResolution::start(host_, port_number_);
    resolving_->started = now;
  }
  const std::shared_ptr<Resolving> r = resolving_;
  // Its thread is looked at every few milliseconds: a new connection is rare, a wait short.
  net::steady_timer poll(executor_);
  while (!r->taken && !r->resolution->ready() && std::chrono::steady_clock::now() < deadline) {
    poll.expires_after(std::chrono::milliseconds(2));
    co_await poll.async_wait(kTuple);
  }
  if (!r->taken && r->resolution->ready()) {
    r->taken = true;
    if (const auto addresses = r->resolution->take_addresses()) {
      r->endpoints = tcp_endpoints(addresses.get());
    } else {
      r->error = "order service: " + r->resolution->error();
    }
  }
  if (!r->taken)
    co_return failure(OrderCallError::timeout, "cannot resolve order service: timed out");
  if (r->endpoints.empty())
    co_return failure(OrderCallError::unreachable,
                      r->error.empty() ? "order service: no address" : r->error);
  co_return r->endpoints;
}

net::awaitable<ApplyResult> OrderServiceClient::apply(SharedOrderCall call) {
  if (!call) co_return failure(OrderCallError::worker_fault, "no order call to make");
  // Event ids are percent-encoded and traceparents validated before they get here; this is
  // the last line, where a CR or LF would end the header and start a request of its own.
  if (!is_sendable_field_value(call->idempotency_key) ||
      !is_sendable_field_value(call->traceparent)) {
    co_return failure(OrderCallError::unsendable,
                      "a control character in the Idempotency-Key or traceparent header");
  }
  // A pooled connection may have been closed by the server while idle; a call that finds it so
  // is made once more, on a new connection (the Idempotency-Key makes a double POST harmless):
  // another pooled one may have been closed as well.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn;
    while (attempt == 0 && !idle_.empty() && !conn) {
      conn = std::move(idle_.back());
      idle_.pop_back();
      if (holds_unread_bytes(*conn)) conn.reset();
    }
    const bool pooled = conn != nullptr;
    if (!pooled) {
      auto connecting = connect();
      OrderCallResult<std::unique_ptr<Connection>> connected = co_await std::move(connecting);
      if (!connected) co_return connected.error();
      conn = std::move(*connected);
    }
    bool reusable = false;
    write_request(conn->request, target_, host_header_, *call);
    auto exchanging = conn->tls ? exchange(*conn->tls, conn->tcp(), conn->buffer, conn->request,
                                           settings_.request_timeout, &reusable)
                                : exchange(*conn->plain, conn->tcp(), conn->buffer, conn->request,
                                           settings_.request_timeout, &reusable);
    ApplyResult result = co_await std::move(exchanging);
    if (!result && result.error().code == OrderCallError::connection_lost && pooled && attempt == 0)
      continue;
    if (reusable && idle_.size() < settings_.max_idle_connections) idle_.push_back(std::move(conn));
    co_return result;
  }
  co_return failure(OrderCallError::connection_lost, "connection lost");
}

}  // namespace paynotify::worker
