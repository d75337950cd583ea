// libFuzzer target: raw bytes from the network through Beast's request parser into the
// ingest's decision. Random bytes can never carry a valid signature, so nothing may ever be
// published; everything must be answered, nothing may crash.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/notification_intake.hpp"
#include "tests/support/test_keys.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const paynotify::KeyRegistry keys = [] {
    paynotify::KeyRegistry k;
    k.add("SANDBOX_FUZZ", "1", paynotify::testing::test_key(0).pair.public_pem);
    return k;
  }();
  static const paynotify::ingest::NotificationIntake intake({"/notifications/antom", "", "t", 0},
                                                            keys);

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& req = parser.get();
  const auto head =
      intake.check_head(req.method_string(), req.target(), req[http::field::content_type],
                        req[http::field::transfer_encoding]);
  if (head && head->status < 400) __builtin_trap();
  const paynotify::ingest::IntakeRequest in{
      req.method_string(), req.target(),        req[http::field::content_type],
      req["client-id"],    req["request-time"], req["signature"],
      req["traceparent"],  req.body()};
  const auto decision = intake.decide(in, 1'800'000'000'000);
  if (decision.record || !decision.answer) __builtin_trap();  // a forgery was published
  return 0;
}
