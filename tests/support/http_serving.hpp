#pragma once
// The request loop of the test servers (the reference order service, the Antom simulator): read
// a request, let the server fill in the response, write it, until the client closes or idles.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

namespace paynotify::testing {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// `respond(request, response)` is a coroutine; the response starts as 200 with a JSON type.
template <typename Stream, typename Respond>
boost::asio::awaitable<void> serve_http(Stream& stream, Respond respond) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  constexpr auto tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
  beast::flat_buffer buffer;
  for (;;) {
    HttpRequest req;
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
    auto [ec, n] = co_await http::async_read(stream, buffer, req, tuple);
    if (ec) break;
    HttpResponse res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    co_await respond(req, res);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, tuple);
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send,
                                                    ignored);
}

// Accepts connections until the acceptor closes; `serve(socket)` is spawned for each.
template <typename Serve>
boost::asio::awaitable<void> accept_each(boost::asio::ip::tcp::acceptor* acceptor, Serve serve) {
  constexpr auto tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(tuple);
    if (ec) co_return;
    boost::asio::co_spawn(acceptor->get_executor(), serve(std::move(socket)),
                          boost::asio::detached);
  }
}

}  // namespace paynotify::testing
