// paynotify-loadgen: drives paynotify-ingest with signed notifications over keep-alive
// connections, open-loop at a fixed rate (latency measured from each request's scheduled
// start, so a stall is not hidden) or closed-loop at saturation (--rate 0). Prints one JSON line.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "common/antom/notification_signer.hpp"
#include "common/antom/request_time.hpp"
#include "common/service/options.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace paynotify;

namespace {

struct Prepared {
  http::request<http::string_body> request;
};

struct Run {
  std::vector<Prepared> requests;
  double rate = 0;  // per second; 0: as fast as answers come
  Clock::time_point start;
  Clock::time_point end;
  std::atomic<uint64_t> next{0};
  std::vector<std::vector<double>> latencies_ms;  // one per connection, merged at the end
  std::atomic<uint64_t> acked{0}, failed{0}, errors{0};
  uint64_t count = 0;  // 0: unlimited
};

net::awaitable<void> connection(tcp::endpoint target, Run* run, std::size_t slot) {
  auto ex = co_await net::this_coro::executor;
  const auto tuple = net::as_tuple(net::use_awaitable);
  beast::tcp_stream stream(ex);
  beast::flat_buffer buffer;
  bool connected = false;
  net::steady_timer timer(ex);
  auto& latencies = run->latencies_ms[slot];
  for (;;) {
    const uint64_t i = run->next.fetch_add(1);
    if (run->count > 0 && i >= run->count) co_return;
    Clock::time_point scheduled = Clock::now();
    if (run->rate > 0) {
      scheduled = run->start + std::chrono::nanoseconds(
                                   static_cast<int64_t>(static_cast<double>(i) * 1e9 / run->rate));
      if (scheduled >= run->end) co_return;
      timer.expires_at(scheduled);
      co_await timer.async_wait(tuple);
    } else if (scheduled >= run->end) {
      co_return;
    }
    if (!connected) {
      stream.expires_after(std::chrono::seconds(5));
      auto [cec] = co_await stream.async_connect(target, tuple);
      if (cec) {
        run->errors.fetch_add(1);
        continue;
      }
      stream.socket().set_option(tcp::no_delay(true));
      connected = true;
    }
    auto req = run->requests[i % run->requests.size()].request;
    stream.expires_after(std::chrono::seconds(10));
    auto [wec, wn] = co_await http::async_write(stream, req, tuple);
    http::response<http::string_body> res;
    beast::error_code rec;
    if (!wec) std::tie(rec, std::ignore) = co_await http::async_read(stream, buffer, res, tuple);
    if (wec || rec) {
      run->errors.fetch_add(1);
      beast::error_code ignored;
      stream.socket().close(ignored);
      connected = false;
      buffer.clear();
      continue;
    }
    latencies.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count());
    (res.result_int() == 200 ? run->acked : run->failed).fetch_add(1);
  }
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto idx = static_cast<std::size_t>(std::min<double>(
      static_cast<double>(sorted.size() - 1), p * static_cast<double>(sorted.size())));
  return sorted[idx];
}

}  // namespace

int main(int argc, char** argv) {
  Options o("paynotify-loadgen", "Load generator for paynotify-ingest (benchmarks only).",
            {{"target", "127.0.0.1:8080", "ingest host:port"},
             {"path", "/notifications/antom", "notification path"},
             {"client-id", "SANDBOX_BENCH", "client id to sign as"},
             {"private-key", "", "PEM private key"},
             {"rate", "0", "requests per second; 0 = saturation (closed loop)"},
             {"duration-s", "10", "how long to send"},
             {"connections", "64", "keep-alive connections"},
             {"distinct", "4000", "distinct signed notifications prepared before the run"},
             {"threads", "1", "I/O threads"},
             {"count", "0", "stop after this many requests (0: only --duration-s counts)"},
             {"id-prefix", "bench", "payment id prefix, so separate runs make distinct events"}});
  try {
    const auto outcome = o.parse({argv + 1, argv + argc}, {});
    if (outcome != Options::Outcome::run) {
      std::cout << o.help_text();
      return 0;
    }
    const auto key = load_private_key(read_file(o.str("private-key")));
    if (!key.key) throw ConfigError("--private-key: " + key.error);
    const auto [host, port] = o.endpoint("target");
    const std::string path = o.str("path");
    Run run;
    run.rate = static_cast<double>(o.integer("rate", 0, 1'000'000));
    run.count = static_cast<uint64_t>(o.integer("count", 0, 100'000'000));
    const auto distinct = static_cast<std::size_t>(o.integer("distinct", 1, 1'000'000));
    run.requests.resize(distinct);
    // Signing costs ~1 ms a notification: prepare them on every core before the clock starts.
    // Signed as of now (distinct times), as Antom would: the worker refuses stale replays.
    const int64_t signed_at_ms = epoch_now_ms();
    // Paid a moment before the run, as a notification arrives in production: a fixed date
    // passes the authorization's 7-day expiry as the calendar moves on, and the worker's
    // deadline watch then raises expiry anomalies for benchmark payments (it did, from
    // 2026-12-02: 2026-11-25 was the fixed date).
    const std::string paid_at = iso8601_utc(signed_at_ms - 1000);
    std::vector<std::thread> signers;
    const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned w = 0; w < workers; ++w) {
      signers.emplace_back([&, w] {
        for (std::size_t i = w; i < distinct; i += workers) {
          const std::string id = o.str("id-prefix") + "-" + std::to_string(i);
          const std::string body =
              R"({"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"order-)" +
              id + R"(","paymentId":")" + id +
              R"(","paymentAmount":{"value":"4200","currency":"SGD"},"paymentCreateTime":")" +
              paid_at + R"(","paymentTime":")" + paid_at +
              R"(","paymentResultInfo":{"cardNo":"************4242","cardBrand":"VISA","funding":"CREDIT","issuingCountry":"SG"}})";
          const auto signed_headers =
              sign_notification(key.key.get(), path, o.str("client-id"),
                                std::to_string(signed_at_ms + static_cast<int64_t>(i)), body);
          auto& req = run.requests[i].request;
          req = {http::verb::post, path, 11};
          req.set(http::field::host, host);
          for (const auto& [name, value] : signed_headers.as_list()) req.set(name, value);
          req.body() = body;
          req.keep_alive(true);
          req.prepare_payload();
        }
      });
    }
    for (auto& t : signers) t.join();

    const auto connections = static_cast<std::size_t>(o.integer("connections", 1, 10000));
    const auto duration = std::chrono::seconds(o.integer("duration-s", 1, 3600));
    run.latencies_ms.resize(connections);
    net::io_context ctx;
    const tcp::endpoint target(net::ip::make_address(host), port);
    run.start = Clock::now() + std::chrono::milliseconds(50);
    run.end = run.start + duration;
    for (std::size_t c = 0; c < connections; ++c)
      net::co_spawn(ctx, connection(target, &run, c), net::detached);
    std::vector<std::thread> threads;
    for (int t = 1; t < o.integer("threads", 1, 64); ++t) threads.emplace_back([&] { ctx.run(); });
    ctx.run();
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - run.start).count();

    std::vector<double> all;
    for (auto& l : run.latencies_ms) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    std::cout << "{\"rate\":" << run.rate << ",\"seconds\":" << elapsed
              << ",\"acked\":" << run.acked.load() << ",\"not_acked\":" << run.failed.load()
              << ",\"errors\":" << run.errors.load()
              << ",\"acked_per_s\":" << static_cast<double>(run.acked.load()) / elapsed
              << ",\"p50_ms\":" << percentile(all, 0.50) << ",\"p90_ms\":" << percentile(all, 0.90)
              << ",\"p99_ms\":" << percentile(all, 0.99)
              << ",\"max_ms\":" << (all.empty() ? 0 : all.back()) << "}\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "paynotify-loadgen: " << e.what() << "\n";
    return 2;
  }
}
