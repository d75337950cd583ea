// paynotify-antom-simulator: Antom's inquiry API as reconciliation calls it, for the demo and
// the tests. It checks each request's merchant signature, answers inquiryPayment and
// inquiryRefund from a scripted state, and signs each answer with Antom's (test) key the way
// Antom does; it can also be slow, fail, answer U, or sign wrongly.
//
//   POST /ams/api/v1/payments/inquiryPayment   (and /ams/sandbox/api/v1/...)
//   POST /ams/api/v1/payments/inquiryRefund
//   GET  /calls     {"inquiryPayment":N,"inquiryRefund":N,"badRequestSignatures":N}
//   POST /control   {"payments":[answer fields...],"refunds":[...],"mode":"answer",
//                    "delayMs":0,"unknownNext":0}
//     payments/refunds: what inquiries answer (the answer's fields without `result`), found by
//       paymentId or paymentRequestId / refundId or refundRequestId; replaces the list given.
//     mode: answer | unknown (result U) | error (HTTP 500, unsigned) | badSignature (an answer
//       whose signature does not verify).  unknownNext: answer U that many times first.
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
#include <boost/json.hpp>

#include <chrono>
#include <iostream>

#include "common/antom/inquiry.hpp"
#include "common/antom/key_registry.hpp"
#include "common/antom/notification_signer.hpp"
#include "common/antom/request_time.hpp"
#include "common/antom/verifier.hpp"
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

// Everything runs on one thread: no locks.
struct Antom {
  std::string client_id;
  paynotify::EvpPkeyPtr antom_key;       // signs answers
  paynotify::KeyRegistry merchant_keys;  // verify requests
  json::array payments, refunds;
  std::string mode = "answer";
  int64_t delay_ms = 0;
  int64_t unknown_next = 0;
  uint64_t payment_calls = 0, refund_calls = 0, bad_request_signatures = 0;
};

json::object result(std::string_view status, std::string_view code, std::string_view message) {
  return {{"resultCode", code}, {"resultStatus", status}, {"resultMessage", message}};
}

// The scripted entry an inquiry asks about, by the first id field the request carries.
const json::object* find(const json::array& list, const json::object& request,
                         std::initializer_list<std::string_view> fields) {
  for (const auto field : fields) {
    const auto* wanted = request.if_contains(field);
    if (wanted == nullptr) continue;
    for (const auto& entry : list) {
      const auto* e = entry.if_object();
      if (e != nullptr && e->if_contains(field) != nullptr && e->at(field) == *wanted) return e;
    }
    return nullptr;  // the first field given decides (paymentId wins over paymentRequestId)
  }
  return nullptr;
}

// The answer's body, or nothing for an HTTP error.
std::optional<std::string> answer(Antom& antom, paynotify::InquiryApi api, std::string_view path,
                                  const testing::HttpRequest& req) {
  if (antom.mode == "error") return std::nullopt;
  const paynotify::Verdict verdict = paynotify::verify_notification(
      {path, req["Client-Id"], req["Request-Time"], req["Signature"], req.body()},
      antom.merchant_keys);
  if (!verdict.ok()) {
    ++antom.bad_request_signatures;
    return json::serialize(json::object{
        {"result", result("F", "INVALID_SIGNATURE", paynotify::describe(verdict.error))}});
  }
  if (antom.unknown_next > 0 || antom.mode == "unknown") {
    if (antom.unknown_next > 0) --antom.unknown_next;
    return json::serialize(
        json::object{{"result", result("U", "UNKNOWN_EXCEPTION", "try again later")}});
  }
  boost::system::error_code ec;
  const json::value request = json::parse(req.body(), ec);
  const json::object* entry = nullptr;
  if (!ec && request.is_object()) {
    entry = api == paynotify::InquiryApi::payment
                ? find(antom.payments, request.get_object(), {"paymentId", "paymentRequestId"})
                : find(antom.refunds, request.get_object(), {"refundId", "refundRequestId"});
  }
  if (entry == nullptr) {
    return json::serialize(
        json::object{{"result", result("F", "ORDER_NOT_EXIST", "the order does not exist")}});
  }
  json::object out{{"result", result("S", "SUCCESS", "success")}};
  for (const auto& [k, v] : *entry) out[k] = v;
  return json::serialize(out);
}

// False when the body is not what /control takes (nothing is changed then).
bool control(Antom& antom, const std::string& body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return false;
  for (const char* number : {"delayMs", "unknownNext"}) {
    if (const auto* p = v.get_object().if_contains(number); p != nullptr && !p->is_number())
      return false;
  }
  const auto& o = v.get_object();
  if (const auto* p = o.if_contains("payments"); p != nullptr && p->is_array())
    antom.payments = p->get_array();
  if (const auto* p = o.if_contains("refunds"); p != nullptr && p->is_array())
    antom.refunds = p->get_array();
  if (const auto* p = o.if_contains("mode"); p != nullptr && p->is_string())
    antom.mode = std::string(p->get_string());
  if (const auto* p = o.if_contains("delayMs")) antom.delay_ms = p->to_number<int64_t>();
  if (const auto* p = o.if_contains("unknownNext")) antom.unknown_next = p->to_number<int64_t>();
  return true;
}

net::awaitable<void> respond(const testing::HttpRequest& req, testing::HttpResponse& res,
                             Antom* antom) {
  res.set(http::field::content_type, "application/json; charset=UTF-8");
  const std::string target(req.target());
  // Antom's SDKs call the sandbox paths for SANDBOX_ client ids and the live paths for others;
  // a client that mixes them up reaches nothing here either.
  const bool sandbox_path = target.starts_with("/ams/sandbox/");
  const bool sandbox_client = antom->client_id.starts_with("SANDBOX_");
  const auto api =
      sandbox_path == sandbox_client ? paynotify::inquiry_api_of(target) : std::nullopt;
  if (req.method() == http::verb::post && api) {
    ++(*api == paynotify::InquiryApi::payment ? antom->payment_calls : antom->refund_calls);
    if (antom->delay_ms > 0) {
      net::steady_timer t(co_await net::this_coro::executor,
                          std::chrono::milliseconds(antom->delay_ms));
      co_await t.async_wait(kTuple);
    }
    if (const auto body = answer(*antom, *api, target, req)) {
      const std::string response_time = std::to_string(paynotify::epoch_now_ms());
      // badSignature: a genuine key over other bytes, as a tampered answer would arrive.
      const std::string signed_body = antom->mode == "badSignature" ? *body + " " : *body;
      const auto s = paynotify::sign_notification(antom->antom_key.get(), target, antom->client_id,
                                                  response_time, signed_body);
      res.set("client-id", s.client_id);
      res.set("response-time", s.request_time);
      res.set("signature", s.signature);
      res.body() = *body;
    } else {
      res.result(http::status::internal_server_error);
      res.body() = R"({"error":"simulated failure"})";
    }
  } else if (req.method() == http::verb::get && target == "/calls") {
    res.body() =
        json::serialize(json::object{{"inquiryPayment", antom->payment_calls},
                                     {"inquiryRefund", antom->refund_calls},
                                     {"badRequestSignatures", antom->bad_request_signatures}});
  } else if (req.method() == http::verb::post && target == "/control") {
    const bool taken = control(*antom, req.body());
    if (!taken) res.result(http::status::bad_request);
    res.body() = taken ? R"({"ok":true})" : R"({"error":"not a control object"})";
  } else if (target == "/healthz") {
    res.body() = R"({"ok":true})";
  } else {
    res.result(http::status::not_found);
    res.body() = R"({"error":"no such route"})";
  }
}

net::awaitable<void> serve(tcp::socket socket, Antom* antom) {
  beast::tcp_stream stream(std::move(socket));
  co_await testing::serve_http(
      stream, [antom](const auto& req, auto& res) { return respond(req, res, antom); });
}

}  // namespace

int main(int argc, char** argv) {
  paynotify::Options o(
      "paynotify-antom-simulator",
      "Antom's inquiryPayment and inquiryRefund, scripted and signed, for demos and tests.",
      {{"listen", "127.0.0.1:0", "address:port (port 0: any free port, printed on stdout)"},
       {"client-id", "", "the merchant's client id (required)"},
       {"antom-private-key", "", "PEM file: the key that signs answers, as Antom's (required)"},
       {"merchant-public-key", "",
        "file, PEM or base64: verifies the merchant's requests (required)"},
       {"state", "", "a JSON file with /control's fields to start from"}});
  try {
    if (o.parse({argv + 1, argv + argc}, {}) != paynotify::Options::Outcome::run) {
      std::cout << o.help_text(false);
      return 0;
    }
    for (const char* required : {"client-id", "antom-private-key", "merchant-public-key"}) {
      if (o.str(required).empty())
        throw paynotify::ConfigError(std::string("--") + required + " is required");
    }
    Antom antom;
    antom.client_id = o.str("client-id");
    auto key = paynotify::load_private_key(paynotify::read_file(o.str("antom-private-key")));
    if (!key.key) throw paynotify::ConfigError("--antom-private-key: " + key.error);
    antom.antom_key = key.key;
    antom.merchant_keys.add(antom.client_id, "1",
                            paynotify::read_file(o.str("merchant-public-key")));
    if (!o.str("state").empty() && !control(antom, paynotify::read_file(o.str("state"))))
      throw paynotify::ConfigError("--state: not a JSON object of /control's fields");
    const auto [host, port] = o.endpoint("listen");
    net::io_context ctx(1);
    tcp::acceptor acceptor(ctx, {net::ip::make_address(host), port});
    std::cout << "listening on " << host << ":" << acceptor.local_endpoint().port() << std::endl;
    net::co_spawn(
        ctx,
        testing::accept_each(
            &acceptor, [&antom](tcp::socket socket) { return serve(std::move(socket), &antom); }),
        net::detached);
    net::signal_set signals(ctx, SIGTERM, SIGINT);
    signals.async_wait([&](auto, int) { ctx.stop(); });
    ctx.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "paynotify-antom-simulator: " << e.what() << "\n";
    return 2;
  }
}
