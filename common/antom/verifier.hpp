#pragma once
// "Request parts + keys -> verdict": the check every notification passes before anything else
// reads its body (DESIGN.md promise 2).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/antom/key_registry.hpp"

namespace paynotify {

struct SignedRequest {
  std::string_view request_uri;  // path and query as Antom called it (prefix already applied)
  std::string_view client_id;
  std::string_view request_time;
  std::string_view signature_header;  // the raw `signature` header value
  std::string_view body;              // raw bytes as received
};

enum class VerifyError {
  none,
  missing_client_id,
  missing_request_time,
  malformed_request_time,
  missing_signature,
  malformed_signature,
  unknown_client,
  unknown_key_version,
  bad_signature,
  stale_request_time,
};

// A short reason safe to show a sender and to log: never a key or signature.
std::string_view describe(VerifyError e);

struct VerifyOptions {
  int64_t max_clock_skew_ms = 0;  // 0: no freshness check (the default; see protocol notes)
  int64_t now_ms = 0;             // injected clock, used only when the check is on
};

struct Verdict {
  VerifyError error = VerifyError::none;
  std::string key_version;  // as named by the header
  bool ok() const { return error == VerifyError::none; }
};

// `POST <uri>\n<client-id>.<request-time>.<raw body>` — what Antom signs, in its parts (the
// verifier feeds them to the digest one by one, without a copy of the body) ...
using SignedParts = std::array<std::string_view, 8>;
SignedParts signed_parts(std::string_view request_uri, std::string_view client_id,
                         std::string_view request_time, std::string_view body);
// ... and joined (the signer's input).
std::string signed_content(std::string_view request_uri, std::string_view client_id,
                           std::string_view request_time, std::string_view body);

Verdict verify_notification(const SignedRequest& request, const KeyRegistry& keys,
                            const VerifyOptions& options = {});

}  // namespace paynotify
