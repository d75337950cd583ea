// libFuzzer target: the signed content `POST <uri>\n<client-id>.<request-time>.<body>` must
// split into its three parts one way only, or whoever captured one notification could replay
// it as another (a different request-time and body under the same signature). Each input is a
// (request-time, body) pair, signed as Antom would; every other reading of the same content at
// its dots is then verified too, and at most one reading may verify.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/antom/notification_signer.hpp"
#include "common/antom/request_time.hpp"
#include "common/antom/verifier.hpp"
#include "tests/support/test_keys.hpp"

namespace {

constexpr std::string_view kUri = "/notifications/antom";
constexpr std::string_view kClients[] = {"SANDBOX_FUZZ", "SANDBOX_FUZZ-2"};

struct Reading {
  std::string_view client_id, request_time, body;
};

// Every way to cut `client.time.body` at two of its dots.
std::vector<Reading> readings(std::string_view joined) {
  std::vector<std::size_t> dots;
  for (std::size_t i = 0; i < joined.size() && dots.size() < 24; ++i) {
    if (joined[i] == '.') dots.push_back(i);
  }
  std::vector<Reading> out;
  for (std::size_t a = 0; a < dots.size(); ++a) {
    for (std::size_t b = a + 1; b < dots.size(); ++b) {
      out.push_back({joined.substr(0, dots[a]), joined.substr(dots[a] + 1, dots[b] - dots[a] - 1),
                     joined.substr(dots[b] + 1)});
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const paynotify::KeyRegistry keys = [] {
    paynotify::KeyRegistry k;
    for (const auto client : kClients)
      k.add(std::string(client), "1", paynotify::testing::test_key(0).pair.public_pem);
    return k;
  }();
  FuzzedDataProvider in(data, size);
  const std::string_view client = kClients[in.ConsumeIntegralInRange<int>(0, 1)];
  const std::string time = in.ConsumeRandomLengthString(40);
  const std::string body = in.ConsumeRemainingBytesAsString();
  const std::string joined = std::string(client) + "." + time + "." + body;

  // Only readings whose parts pass the checks before the signature can verify; sign (1 ms)
  // only when there is one.
  const auto all = readings(joined);
  bool any = false;
  for (const auto& r : all)
    any =
        any || (keys.knows_client(r.client_id) && paynotify::parse_request_time_ms(r.request_time));
  if (!any) return 0;
  const auto signed_headers = paynotify::sign_notification(
      paynotify::testing::test_key(0).private_key.get(), kUri, client, time, body);
  int verified = 0;
  for (const auto& r : all) {
    const paynotify::SignedRequest request{kUri, r.client_id, r.request_time,
                                           signed_headers.signature, r.body};
    if (paynotify::verify_notification(request, keys).ok()) ++verified;
  }
  if (verified > 1) __builtin_trap();  // one signature, two notifications
  return 0;
}
