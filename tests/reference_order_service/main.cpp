// paynotify-reference-order-service: an order service that implements DESIGN.md's contract,
// for the demo and the end-to-end tests. It keeps payments in memory, applies each event once
// by Idempotency-Key (409 for a repeated key), can be told to fail, and shows what it applied.
//
//   POST /payment-events   the contract
//   GET  /applied          {"applied":N,"conflicts":N,"failed":N,"receivedToAppliedMs":{..},
//                           "firstAppliedAtMs":T,"lastAppliedAtMs":T,
//                           "payments":{id:{"state":..,"events":[ids]}}}   (?summary=1: no
//                           payments)
//   POST /control          {"failRate":0.2,"failStatus":503,"failNext":5,"delayMs":50,
//                           "rejectPaymentIds":["p1"],"rejectStatus":422,"unknownPaymentIds":["p2"]}
//   GET  /healthz
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "common/antom/request_time.hpp"
#include "common/service/options.hpp"
#include "tests/support/http_serving.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);

namespace {

namespace testing = paynotify::testing;

struct Payment {
  std::string state = "UNKNOWN";
  json::array events;  // event ids in applied order
};

// Everything runs on one thread: no locks.
struct OrderBook {
  std::map<std::string, Payment> payments;
  std::set<std::string> applied_keys;
  uint64_t applied = 0, conflicts = 0, failed = 0;
  // Failure injection.
  double fail_rate = 0;
  unsigned fail_status = 503;
  int64_t fail_next = 0;
  int64_t delay_ms = 0;
  std::set<std::string> reject_payment_ids;
  unsigned reject_status = 422;
  std::set<std::string> unknown_payment_ids;
  std::mt19937_64 rng{42};
  std::vector<double> latencies_ms;  // apply time - receivedAt, for the benchmark
  // When the first and the latest event were applied (epoch ms): the benchmark's rate once the
  // worker runs, apart from its start-up and group join.
  int64_t first_applied_ms = 0, last_applied_ms = 0;
};

// How far a payment has come; a late notification never moves it back (a capture that
// overtook its authorization leaves the payment CAPTURED).
int rank_of(const std::string& state) {
  if (state == "PENDING") return 1;
  if (state == "AUTHORIZED" || state == "FAILED") return 2;
  if (state == "CAPTURED" || state == "CAPTURE_FAILED") return 3;
  if (state == "REFUNDED" || state == "REFUND_FAILED") return 4;
  if (state == "DISPUTED") return 5;
  return 0;
}

std::string state_after(const std::string& type) {
  if (type == "PAYMENT_AUTHORIZED") return "AUTHORIZED";
  if (type == "PAYMENT_FAILED") return "FAILED";
  if (type == "PAYMENT_PENDING") return "PENDING";
  if (type == "CAPTURE_SUCCEEDED") return "CAPTURED";
  if (type == "CAPTURE_FAILED") return "CAPTURE_FAILED";
  if (type == "REFUND_SUCCEEDED") return "REFUNDED";
  if (type == "REFUND_FAILED") return "REFUND_FAILED";
  if (type.rfind("DISPUTE_", 0) == 0) return "DISPUTED";
  return "UNKNOWN";  // e.g. AUTHORIZATION_AMOUNT_UPDATED: recorded, the state stays
}

std::set<std::string> string_set(const json::value* v) {
  std::set<std::string> out;
  if (v && v->is_array()) {
    for (const auto& e : v->as_array())
      if (e.is_string()) out.insert(std::string(e.as_string()));
  }
  return out;
}

std::pair<unsigned, std::string> apply_event(OrderBook& book, const std::string& key,
                                             const std::string& body) {
  json::error_code ec;
  const auto doc = json::parse(body, ec);
  if (ec || !doc.is_object() || key.empty())
    return {400, R"({"error":"need a JSON body and an Idempotency-Key"})"};
  const auto& o = doc.as_object();
  const auto* pid = o.if_contains("paymentId");
  const auto* type = o.if_contains("type");
  if (!type || !type->is_string()) return {400, R"({"error":"type is required"})"};
  const std::string payment_id =
      pid && pid->is_string() ? std::string(pid->as_string()) : std::string();
  if (book.applied_keys.count(key)) {
    ++book.conflicts;
    return {409, R"({"error":"already applied"})"};
  }
  if (book.fail_next > 0 ||
      std::uniform_real_distribution<double>(0, 1)(book.rng) < book.fail_rate) {
    if (book.fail_next > 0) --book.fail_next;
    ++book.failed;
    return {book.fail_status, R"({"error":"injected failure"})"};
  }
  if (book.reject_payment_ids.count(payment_id)) {
    ++book.failed;
    return {book.reject_status, R"({"error":"payment rejected by the order service"})"};
  }
  if (book.unknown_payment_ids.count(payment_id)) {
    ++book.failed;
    return {404, R"({"error":"payment not known yet"})"};
  }
  const int64_t now = paynotify::epoch_now_ms();
  if (const auto* received = o.if_contains("receivedAt"); received && received->is_string()) {
    if (const auto at = paynotify::parse_request_time_ms(std::string(received->as_string()))) {
      book.latencies_ms.push_back(static_cast<double>(now - *at));
    }
  }
  if (book.first_applied_ms == 0) book.first_applied_ms = now;
  book.last_applied_ms = now;
  book.applied_keys.insert(key);
  auto& p = book.payments[payment_id];
  p.events.emplace_back(key);
  const std::string next = state_after(std::string(type->as_string()));
  if (rank_of(next) >= rank_of(p.state)) p.state = next;
  ++book.applied;
  return {200, R"({"applied":true})"};
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::string applied_json(const OrderBook& book, bool with_payments) {
  json::object payments;
  if (with_payments) {
    for (const auto& [id, p] : book.payments)
      payments[id] = json::object{{"state", p.state}, {"events", p.events}};
  }
  // From the ingest's receipt (receivedAt) to this apply, in ms: what the benchmark reports.
  json::object latency{{"samples", book.latencies_ms.size()},
                       {"p50", percentile(book.latencies_ms, 0.5)},
                       {"p99", percentile(book.latencies_ms, 0.99)}};
  return json::serialize(json::object{{"applied", book.applied},
                                      {"conflicts", book.conflicts},
                                      {"failed", book.failed},
                                      {"receivedToAppliedMs", std::move(latency)},
                                      {"firstAppliedAtMs", book.first_applied_ms},
                                      {"lastAppliedAtMs", book.last_applied_ms},
                                      {"payments", std::move(payments)}});
}

void control(OrderBook& book, const std::string& body) {
  json::error_code ec;
  const auto doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return;
  const auto& o = doc.as_object();
  if (const auto* v = o.if_contains("failRate")) book.fail_rate = v->to_number<double>();
  if (const auto* v = o.if_contains("failStatus")) book.fail_status = v->to_number<unsigned>();
  if (const auto* v = o.if_contains("failNext")) book.fail_next = v->to_number<int64_t>();
  if (const auto* v = o.if_contains("delayMs")) book.delay_ms = v->to_number<int64_t>();
  if (const auto* v = o.if_contains("rejectStatus")) book.reject_status = v->to_number<unsigned>();
  if (o.contains("rejectPaymentIds"))
    book.reject_payment_ids = string_set(o.if_contains("rejectPaymentIds"));
  if (o.contains("unknownPaymentIds"))
    book.unknown_payment_ids = string_set(o.if_contains("unknownPaymentIds"));
  if (o.contains("resetLatency")) book.latencies_ms.clear();
}

net::awaitable<void> respond(const testing::HttpRequest& req, testing::HttpResponse& res,
                             OrderBook* book) {
  const std::string target(req.target());
  if (req.method() == http::verb::post && target == "/payment-events") {
    if (book->delay_ms > 0) {
      net::steady_timer t(co_await net::this_coro::executor,
                          std::chrono::milliseconds(book->delay_ms));
      co_await t.async_wait(kTuple);
    }
    auto [status, body] = apply_event(*book, std::string(req["Idempotency-Key"]), req.body());
    res.result(status);
    res.body() = body;
  } else if (req.method() == http::verb::get &&
             (target == "/applied" || target == "/applied?summary=1")) {
    res.body() = applied_json(*book, target == "/applied");
  } else if (req.method() == http::verb::post && target == "/control") {
    control(*book, req.body());
    res.body() = R"({"ok":true})";
  } else if (target == "/healthz") {
    res.body() = R"({"ok":true})";
  } else {
    res.result(http::status::not_found);
    res.body() = R"({"error":"no such route"})";
  }
}

template <typename Stream>
net::awaitable<void> serve(Stream& stream, OrderBook* book) {
  co_await testing::serve_http(
      stream, [book](const auto& req, auto& res) { return respond(req, res, book); });
}

net::awaitable<void> serve_plain(tcp::socket socket, OrderBook* book) {
  beast::tcp_stream stream(std::move(socket));
  co_await serve(stream, book);
}

net::awaitable<void> serve_tls(tcp::socket socket, OrderBook* book, net::ssl::context* tls) {
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server, kTuple);
  if (ec) co_return;
  co_await serve(stream, book);
}

net::awaitable<void> accept_loop(tcp::acceptor* acceptor, OrderBook* book, net::ssl::context* tls) {
  co_await testing::accept_each(acceptor, [book, tls](tcp::socket socket) {
    return tls != nullptr ? serve_tls(std::move(socket), book, tls)
                          : serve_plain(std::move(socket), book);
  });
}

}  // namespace

int main(int argc, char** argv) {
  paynotify::Options o(
      "paynotify-reference-order-service",
      "An in-memory order service implementing paynotify's contract, for demos and tests.",
      {{"listen", "127.0.0.1:0", "address:port (port 0: any free port, printed on stdout)"},
       {"tls-cert", "", "PEM certificate chain: serve HTTPS instead of HTTP"},
       {"tls-key", "", "PEM private key of --tls-cert"},
       {"tls-client-ca", "", "PEM CAs: require a client certificate they signed (mutual TLS)"}});
  try {
    if (o.parse({argv + 1, argv + argc}, {}) != paynotify::Options::Outcome::run) {
      std::cout << o.help_text();
      return 0;
    }
    const auto [host, port] = o.endpoint("listen");
    net::io_context ctx(1);
    tcp::acceptor acceptor(ctx, {net::ip::make_address(host), port});
    OrderBook book;
    std::unique_ptr<net::ssl::context> tls;
    if (!o.str("tls-cert").empty()) {
      tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
      tls->use_certificate_chain_file(o.str("tls-cert"));
      tls->use_private_key_file(o.str("tls-key"), net::ssl::context::pem);
      if (!o.str("tls-client-ca").empty()) {
        tls->load_verify_file(o.str("tls-client-ca"));
        tls->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
      }
    }
    std::cout << "listening on " << host << ":" << acceptor.local_endpoint().port() << std::endl;
    net::co_spawn(ctx, accept_loop(&acceptor, &book, tls.get()), net::detached);
    net::signal_set signals(ctx, SIGTERM, SIGINT);
    signals.async_wait([&](auto, int) { ctx.stop(); });
    ctx.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "paynotify-reference-order-service: " << e.what() << "\n";
    return 2;
  }
}
