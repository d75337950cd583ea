#include "common/antom/antom_api_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <optional>
#include <thread>
#include <vector>

#include "common/antom/notification.hpp"
#include "common/antom/notification_signer.hpp"
#include "common/antom/request_time.hpp"
#include "common/antom/verifier.hpp"
#include "common/net/name_resolution.hpp"
#include "common/net/tls_client_files.hpp"
#include "common/net/tls_peer_name.hpp"
#include "common/service/options.hpp"

namespace paynotify {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);
// An inquiry's answer is a few KiB; a payment with many transactions stays far below this. It
// travels whole in a header of each record recovered from it, well inside Kafka's 1 MB.
constexpr std::uint64_t kAnswerLimit = 256 * 1024;

namespace {

std::string_view describe_error(AntomApiError e) {
  switch (e) {
    case AntomApiError::unreachable: return "Antom's API did not answer";
    case AntomApiError::http_status: return "Antom's API answered with an HTTP error";
    case AntomApiError::unsigned_answer:
      return "Antom's answer is not signed with Antom's key: not read";
    case AntomApiError::bad_answer: return "Antom's signed answer is not a JSON object";
    case AntomApiError::failed: return "Antom answered that it cannot";
    case AntomApiError::unknown: return "Antom cannot tell yet (result U)";
  }
  return {};
}

bool is_loopback(const boost::urls::url_view& url) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(url.host_address(), ec);
  return !ec && address.is_loopback();
}

using Answer = http::response<http::string_body>;
using Exchanged = boost::system::result<Answer, Failure>;

Failure unreachable(std::string why) { return failure(AntomApiError::unreachable, std::move(why)); }

template <typename Stream>
net::awaitable<Exchanged> write_and_read(Stream& stream,
                                         const http::request<http::string_body>& req) {
  auto [wec, wn] = co_await http::async_write(stream, req, kTuple);
  if (wec) co_return unreachable("sending failed: " + wec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kAnswerLimit);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kTuple);
  if (rec == http::error::body_limit)
    co_return failure(AntomApiError::bad_answer, "an answer above 256 KiB");
  if (rec) co_return unreachable("no whole answer: " + rec.message());
  co_return parser.release();
}

}  // namespace

const boost::system::error_category& antom_api_category() {
  static const EnumErrorCategory<AntomApiError> category("paynotify.antom_api", describe_error);
  return category;
}

boost::system::error_code make_error_code(AntomApiError e) {
  return {static_cast<int>(e), antom_api_category()};
}

struct AntomApiClient::Endpoint {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  std::string host_header;
  net::ssl::context ssl{net::ssl::context::tls_client};
};

AntomApiClient::AntomApiClient(AntomApiSettings settings)
    : settings_(std::move(settings)), endpoint_(std::make_unique<Endpoint>()) {
  const auto url = boost::urls::parse_absolute_uri(settings_.base_url);
  const bool https = url && url->scheme() == "https";
  if (!url || !(https || (url->scheme() == "http" && is_loopback(*url))) || url->host().empty() ||
      !(url->encoded_path().empty() || url->encoded_path() == "/") || url->has_query()) {
    throw ConfigError(
        "--antom-api-url must be https://host[:port], Antom's endpoint for the "
        "region, with no path (http:// only to a loopback address), got '" +
        settings_.base_url + "'");
  }
  endpoint_->tls = https;
  endpoint_->host = url->host_address();
  const auto port = url->has_port() ? Options::parse_port(url->port()) : uint16_t(https ? 443 : 80);
  if (!port || *port == 0) throw ConfigError("--antom-api-url: a bad port");
  endpoint_->port = *port;
  endpoint_->host_header = std::string(url->encoded_host_and_port());
  if (settings_.client_id.empty()) throw ConfigError("--client-id is required to call Antom");
  if (!settings_.merchant_key) throw ConfigError("--merchant-private-key is required");
  if (!settings_.antom_keys || !settings_.antom_keys->knows_client(settings_.client_id)) {
    throw ConfigError("--antom-public-key is required to verify Antom's answers for client id " +
                      settings_.client_id);
  }
  if (settings_.tries < 1) settings_.tries = 1;
  if (https) {
    try {
      load_tls_client(endpoint_->ssl, {settings_.ca_file, {}, {}}, "antom-api");
    } catch (const std::invalid_argument& e) {
      throw ConfigError(e.what());
    }
  }
}

AntomApiClient::~AntomApiClient() = default;

bool worth_asking_again(const Failure& f) {
  if (f.code == AntomApiError::unreachable || f.code == AntomApiError::unknown) return true;
  return f.code == AntomApiError::http_status && f.detail.size() == 3 && f.detail[0] == '5';
}

AntomApiResult AntomApiClient::inquire(const InquiryTarget& target) {
  AntomApiResult answer = call(inquiry_path(target.api(), settings_.client_id), target.body());
  if (answer && !answers_about(answer->json, target)) {
    return failure(AntomApiError::bad_answer,
                   "the answer is not about " + std::string(target.field()) + " " + target.id);
  }
  return answer;
}

AntomApiResult AntomApiClient::call(const std::string& path, const std::string& body) {
  auto pause = settings_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    AntomApiResult r = try_once(path, body);
    if (r) r->tries = attempt;
    if (r || !worth_asking_again(r.error()) || attempt >= settings_.tries) {
      if (!r && attempt > 1) r.error().detail += " (after " + std::to_string(attempt) + " tries)";
      return r;
    }
    std::this_thread::sleep_for(pause);
    pause *= 2;
  }
}

AntomApiResult AntomApiClient::try_once(const std::string& path, const std::string& body) {
  const Endpoint& ep = *endpoint_;
  const std::string request_time = std::to_string(epoch_now_ms());
  const SignedHeaders signed_headers =
      sign_notification(settings_.merchant_key.get(), path, settings_.client_id, request_time, body,
                        settings_.key_version);
  http::request<http::string_body> req{http::verb::post, path, 11};
  req.set(http::field::host, ep.host_header);
  req.set(http::field::user_agent, "paynotify");
  req.set(http::field::content_type, "application/json; charset=UTF-8");
  req.set("Client-Id", signed_headers.client_id);
  req.set("Request-Time", signed_headers.request_time);
  req.set("Signature", signed_headers.signature);
  req.body() = body;
  req.prepare_payload();

  // The name is resolved on a thread of its own, under the connect timeout (name_resolution.hpp).
  const auto started = std::chrono::steady_clock::now();
  const auto resolution = NameResolution::start(ep.host, ep.port);
  if (!resolution->wait_until(started + settings_.connect_timeout))
    return unreachable("resolving " + ep.host + " took longer than the connect timeout");
  const auto addresses = resolution->take_addresses();
  if (!addresses) return unreachable(resolution->error());
  const std::vector<tcp::endpoint> endpoints = tcp_endpoints(addresses.get());

  std::optional<Exchanged> exchanged;
  net::io_context io;
  auto exchange = [&]() -> net::awaitable<void> {
    beast::tcp_stream tcp_stream(io);
    tcp_stream.expires_after(settings_.connect_timeout);
    auto [cec, connected] = co_await tcp_stream.async_connect(endpoints, kTuple);
    if (cec) {
      exchanged = unreachable("cannot connect to " + ep.host_header + ": " + cec.message());
      co_return;
    }
    tcp_stream.expires_at(started + settings_.call_timeout);
    if (!ep.tls) {
      exchanged = co_await write_and_read(tcp_stream, req);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), endpoint_->ssl);
    // The certificate must name the host dialled (tls_peer_name.hpp).
    if (!expect_peer_name(tls.native_handle(), ep.host)) {
      exchanged = unreachable("TLS: cannot set up the connection to " + ep.host);
      co_return;
    }
    auto [hec] = co_await tls.async_handshake(net::ssl::stream_base::client, kTuple);
    if (hec) {
      exchanged = unreachable("TLS handshake with " + ep.host_header + " failed: " + hec.message());
      co_return;
    }
    exchanged = co_await write_and_read(tls, req);
  };
  net::co_spawn(io, exchange(), net::detached);
  io.run();
  if (!exchanged) return unreachable("the exchange ended without an answer");
  if (!*exchanged) return exchanged->error();
  const Answer& answer = **exchanged;

  // Nothing reads the body before its signature verifies; a status is read, and said.
  if (answer.result_int() != 200) {
    return failure(AntomApiError::http_status, std::to_string(answer.result_int()));
  }
  SignedAnswer out;
  out.path = path;
  out.client_id = std::string(answer["client-id"]);
  out.response_time = std::string(answer["response-time"]);
  out.signature = std::string(answer["signature"]);
  out.body = answer.body();
  const Verdict verdict = verify_notification(
      {out.path, out.client_id, out.response_time, out.signature, out.body}, *settings_.antom_keys);
  if (!verdict.ok())
    return failure(AntomApiError::unsigned_answer, std::string(describe(verdict.error)));
  if (out.client_id != settings_.client_id) {
    return failure(AntomApiError::unsigned_answer,
                   "signed for client id " + out.client_id + ", not " + settings_.client_id);
  }
  auto parsed = parse_notification(out.body);  // Antom's JSON, depth bounded
  if (!parsed) return failure(AntomApiError::bad_answer, "not a JSON object");
  out.json = std::move(*parsed);
  const InquiryResult result = inquiry_result(out.json);
  if (result.status == "F")
    return failure(AntomApiError::failed, result.code + ": " + result.message);
  if (result.status == "U")
    return failure(AntomApiError::unknown, result.code + ": " + result.message);
  if (result.status != "S")
    return failure(AntomApiError::bad_answer, "no result.resultStatus S, F or U");
  return out;
}

}  // namespace paynotify
