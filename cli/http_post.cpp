#include "cli/http_post.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include "common/service/http_field.hpp"

namespace paynotify::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string request_target_of(const std::string& url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return {};
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  return target;
}

namespace {

net::awaitable<void> exchange(std::string host, std::string port,
                              http::request<http::string_body> req,
                              std::chrono::milliseconds timeout, HttpReply* out) {
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  const auto tuple = net::as_tuple(net::use_awaitable);
  auto [rec, results] = co_await resolver.async_resolve(host, port, tuple);
  if (rec) {
    out->error = "cannot resolve " + host + ": " + rec.message();
    co_return;
  }
  beast::tcp_stream stream(ex);
  stream.expires_after(timeout);
  auto [cec, ep] = co_await stream.async_connect(results, tuple);
  if (cec) {
    out->error = "cannot connect to " + host + ":" + port + ": " + cec.message();
    co_return;
  }
  auto [wec, wn] = co_await http::async_write(stream, req, tuple);
  if (wec) {
    out->error = "sending failed: " + wec.message();
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  auto [ec, n] = co_await http::async_read(stream, buffer, parser, tuple);
  if (ec) {
    out->error = "no answer: " + ec.message();
    co_return;
  }
  out->sent = true;
  out->status = parser.get().result_int();
  out->body = parser.get().body();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

HttpReply http_post(const std::string& url,
                    const std::vector<std::pair<std::string, std::string>>& headers,
                    const std::string& body, std::chrono::milliseconds timeout) {
  HttpReply reply;
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "http" || !parsed->has_authority()) {
    reply.error = "--url must be an http:// URL, got '" + url + "'";
    return reply;
  }
  const std::string host(parsed->host_address());
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
  http::request<http::string_body> req{http::verb::post, request_target_of(url), 11};
  req.set(http::field::host, std::string(parsed->encoded_host_and_port()));
  req.set(http::field::user_agent, "paynotify-cli");
  for (const auto& [name, value] : headers) {
    // A value from a file or a flag may hold a CR or LF, which would end the header early.
    if (!is_sendable_field_name(name) || !is_sendable_field_value(value)) {
      reply.error = "header '" + (is_sendable_field_name(name) ? name : "?") +
                    "' holds a control character (CR, LF, NUL, ...): not sent";
      return reply;
    }
    req.set(name, value);
  }
  req.body() = body;
  req.prepare_payload();
  net::io_context ctx;
  net::co_spawn(ctx, exchange(host, port, std::move(req), timeout, &reply), net::detached);
  ctx.run();
  return reply;
}

}  // namespace paynotify::cli
