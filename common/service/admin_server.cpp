#include "common/service/admin_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <memory>

#include "common/service/listener.hpp"

namespace paynotify {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);

AdminAnswer admin_answer(std::string_view method, std::string_view target, bool ready,
                         const MetricsRegistry& metrics) {
  if (method != "GET" && method != "HEAD") return {405, "text/plain", "method not allowed\n"};
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/healthz") return {200, "text/plain", "ok\n"};
  if (path == "/readyz")
    return ready ? AdminAnswer{200, "text/plain", "ready\n"}
                 : AdminAnswer{503, "text/plain", "not ready\n"};
  if (path == "/metrics")
    return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()};
  return {404, "text/plain", "not found\n"};
}

namespace {

// Probes and scrapes need a handful of connections; a flood of idle ones must not use up the
// process's file descriptors, which the notification port needs.
constexpr int kMaxAdminConnections = 64;

struct AdminConnection {
  explicit AdminConnection(std::shared_ptr<std::atomic<int>> open) : open_(std::move(open)) {}
  ~AdminConnection() { open_->fetch_sub(1); }
  AdminConnection(const AdminConnection&) = delete;
  AdminConnection& operator=(const AdminConnection&) = delete;
  std::shared_ptr<std::atomic<int>> open_;
};

net::awaitable<void> serve_admin(tcp::socket socket, const MetricsRegistry* metrics,
                                 std::function<bool()> ready,
                                 std::shared_ptr<std::atomic<int>> open) {
  AdminConnection counted(std::move(open));
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(0);
    stream.expires_after(std::chrono::seconds(10));
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
    if (ec) break;
    const auto& req = parser.get();
    const AdminAnswer a = admin_answer(req.method_string(), req.target(), ready(), *metrics);
    http::response<http::string_body> res{static_cast<http::status>(a.status), req.version()};
    res.set(http::field::content_type, a.content_type);
    res.keep_alive(req.keep_alive());
    res.body() = a.body;
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> accept_admin(tcp::acceptor* acceptor, const MetricsRegistry* metrics,
                                  std::function<bool()> ready) {
  auto open = std::make_shared<std::atomic<int>>(0);
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(kTuple);
    if (ec) {
      if (!acceptor->is_open() || ec == net::error::operation_aborted) co_return;
      // Out of file descriptors (EMFILE, ENFILE) and the like: back off instead of spinning.
      net::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(100));
      auto waiting = pause.async_wait(kTuple);
      co_await std::move(waiting);
      continue;
    }
    if (open->fetch_add(1) >= kMaxAdminConnections) {
      open->fetch_sub(1);
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    net::co_spawn(acceptor->get_executor(), serve_admin(std::move(socket), metrics, ready, open),
                  net::detached);
  }
}

}  // namespace

AdminServer::AdminServer(std::string host, uint16_t port, const MetricsRegistry& metrics,
                         std::function<bool()> ready)
    : host_(std::move(host)), port_(port), metrics_(metrics), ready_(std::move(ready)) {}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start() {
  acceptor_ = open_listener(ctx_, "admin-listen", host_, port_);
  port_ = acceptor_->local_endpoint().port();
  net::co_spawn(ctx_, accept_admin(acceptor_.get(), &metrics_, ready_), net::detached);
  thread_ = std::thread([this] {
    auto guard = net::make_work_guard(ctx_);
    ctx_.run();
  });
}

void AdminServer::stop() {
  ctx_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace paynotify
