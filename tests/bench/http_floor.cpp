// paynotify-http-floor: the least an HTTP/1.1 keep-alive server on Boost.Beast does for one of
// our notifications, so floor_bench.sh can say how much of the ingest's CPU per acknowledgement
// is Beast's and the kernel's (issue #19). It keeps ingest/http_server.cpp's shape (an
// io_context per thread, round-robin accept, a 4 KiB read room, header fields in an arena, head
// then body, the same 200) and drops everything else: no deadlines (the ingest's cost it a
// sweep per 100 ms, nothing per request), no verification, no Kafka, no metrics, no connection
// slots. Benchmarks only; never shipped.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <iostream>
#include <memory>
#include <memory_resource>
#include <thread>
#include <vector>

#include "common/antom/antom_reply.hpp"
#include "common/service/listener.hpp"
#include "common/service/options.hpp"
#include "common/service/service_main.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace paynotify;

namespace {

using FieldAllocator = std::pmr::polymorphic_allocator<char>;
using RequestParser = http::request_parser<http::string_body, FieldAllocator>;
using Response = http::response<http::string_body, http::basic_fields<FieldAllocator>>;
using Contexts = std::vector<std::unique_ptr<net::io_context>>;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kReadRoom = 4096;
// The ingest's defaults (ingest/ingest_config.cpp), so Beast checks the same limits.
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr std::size_t kMaxBodyBytes = 64 * 1024;

// With --answer-every-ms, answers wait for the next release of their thread's batch, as the
// ingest's wait for a delivery report that comes with its produce request's batch (every
// linger.ms at most): a cancel of the thread's `release` timer resumes every waiting answer at
// once, as the ingest's DeliveryInbox resumes every waiter of a batch from one drain.
struct Batches {
  explicit Batches(net::io_context& ctx) : release(ctx, net::steady_timer::time_point::max()) {}
  net::steady_timer release;
};

net::awaitable<void> release_every(Batches* batches, std::chrono::milliseconds every) {
  net::steady_timer tick(co_await net::this_coro::executor);
  for (;;) {
    tick.expires_after(every);
    co_await tick.async_wait(kTuple);
    batches->release.cancel();
  }
}

net::awaitable<void> serve_connection(tcp::socket stream, Batches* batches) {
  beast::flat_buffer buffer;
  buffer.reserve(kReadRoom);
  alignas(std::max_align_t) std::array<std::byte, 4096> head_room;
  for (;;) {
    std::pmr::monotonic_buffer_resource arena(head_room.data(), head_room.size());
    RequestParser parser(std::piecewise_construct, std::make_tuple(),
                         std::make_tuple(FieldAllocator(&arena)));
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(kMaxBodyBytes);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (hec) break;
    const unsigned version = parser.get().version();
    beast::error_code bec;
    while (!parser.is_done() && !bec) {
      std::tie(bec, std::ignore) = co_await http::async_read_some(stream, buffer, parser, kTuple);
    }
    if (bec) break;
    const auto req = parser.release();
    if (batches != nullptr) co_await batches->release.async_wait(kTuple);
    Response res(std::piecewise_construct, std::make_tuple(),
                 std::make_tuple(FieldAllocator(&arena)));
    res.result(http::status::ok);
    res.version(version);
    res.set(http::field::server, "paynotify-ingest");
    res.set(http::field::content_type, "application/json; charset=UTF-8");
    res.keep_alive(req.keep_alive());
    res.body() = std::string(kAntomSuccessBody);
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.shutdown(tcp::socket::shutdown_send, ignored);
}

// batches: one per context, or none (answer at once).
net::awaitable<void> accept_loop(tcp::acceptor* acceptor, Contexts* contexts,
                                 std::vector<std::unique_ptr<Batches>>* batches) {
  for (std::size_t next = 0;; ++next) {
    const std::size_t thread = next % contexts->size();
    net::io_context& target = *(*contexts)[thread];
    auto [ec, socket] = co_await acceptor->async_accept(target, kTuple);
    if (ec) co_return;  // a benchmark stops at its first failed accept
    socket.set_option(tcp::no_delay(true), ec);
    net::co_spawn(
        target,
        serve_connection(std::move(socket), batches->empty() ? nullptr : (*batches)[thread].get()),
        net::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o("paynotify-http-floor",
            "Answers every request 200 as the ingest does, doing nothing else (benchmarks only). "
            "Runs until SIGTERM or SIGINT.",
            {{"listen", "127.0.0.1:8080", "host:port to listen on"},
             {"threads", "1", "I/O threads, one io_context each"},
             {"answer-every-ms", "0",
              "release the answers waiting on each thread every N ms, as delivery reports come "
              "in batches; 0: answer at once"}});
  try {
    if (o.parse({argv + 1, argv + argc}, {}) != Options::Outcome::run) {
      std::cout << o.help_text(false);
      return 0;
    }
    const auto [host, port] = o.endpoint("listen");
    const auto threads = o.integer("threads", 1, 64);
    const auto answer_every = std::chrono::milliseconds(o.integer("answer-every-ms", 0, 1000));
    const sigset_t stop_signals = block_stop_signals();
    Contexts contexts;
    std::vector<std::unique_ptr<Batches>> batches;
    for (int64_t i = 0; i < threads; ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
      if (answer_every.count() == 0) continue;
      batches.push_back(std::make_unique<Batches>(*contexts.back()));
      net::co_spawn(*contexts.back(), release_every(batches.back().get(), answer_every),
                    net::detached);
    }
    const auto acceptor = open_listener(*contexts[0], "listen", host, port);
    net::co_spawn(*contexts[0], accept_loop(acceptor.get(), &contexts, &batches), net::detached);
    std::vector<std::thread> runners;
    for (auto& ctx : contexts) {
      runners.emplace_back([c = ctx.get()] {
        auto guard = net::make_work_guard(*c);
        c->run();
      });
    }
    wait_for_stop_signal(stop_signals);
    for (auto& ctx : contexts) ctx->stop();
    for (auto& t : runners) t.join();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "paynotify-http-floor: " << e.what() << "\n";
    return 2;
  }
}
