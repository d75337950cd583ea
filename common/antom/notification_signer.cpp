#include "common/antom/notification_signer.hpp"

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "common/antom/signature_header.hpp"
#include "common/antom/verifier.hpp"

namespace paynotify {

std::vector<std::pair<std::string, std::string>> SignedHeaders::as_list() const {
  return {{"Content-Type", "application/json; charset=UTF-8"},
          {"client-id", client_id},
          {"request-time", request_time},
          {"signature", signature}};
}

SignedHeaders sign_notification(EVP_PKEY* private_key, std::string_view request_uri,
                                std::string_view client_id, std::string_view request_time,
                                std::string_view body, std::string_view key_version) {
  const auto sig =
      sign_sha256_rsa(private_key, signed_content(request_uri, client_id, request_time, body));
  if (!sig) throw std::runtime_error("signing failed");
  return {std::string(client_id), std::string(request_time),
          format_signature_header(key_version, *sig)};
}

std::string iso8601_now() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03d+00:00", buf, static_cast<int>(ms));
  return out;
}

}  // namespace paynotify
