#pragma once
// Signs a notification exactly as Antom does: for `paynotify send`, the tests and the
// benchmark's load generator. Production paynotify only verifies.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/antom/rsa_key.hpp"

namespace paynotify {

struct SignedHeaders {
  std::string client_id;
  std::string request_time;
  std::string signature;  // the full `signature` header value
  std::vector<std::pair<std::string, std::string>> as_list() const;
};

// Throws std::runtime_error if OpenSSL cannot sign with the key.
SignedHeaders sign_notification(EVP_PKEY* private_key, std::string_view request_uri,
                                std::string_view client_id, std::string_view request_time,
                                std::string_view body, std::string_view key_version = "1");

// Now as ISO 8601 with milliseconds and a +00:00 offset, a form Antom uses.
std::string iso8601_now();

}  // namespace paynotify
