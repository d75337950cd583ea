#include "common/antom/verifier.hpp"

#include <cstdlib>

#include "common/antom/request_time.hpp"
#include "common/antom/signature_header.hpp"

namespace paynotify {

std::string_view describe(VerifyError e) {
  switch (e) {
    case VerifyError::none: return "verified";
    case VerifyError::missing_client_id: return "missing client-id header";
    case VerifyError::missing_request_time: return "missing request-time header";
    case VerifyError::malformed_request_time:
      return "request-time is neither epoch milliseconds nor ISO 8601";
    case VerifyError::missing_signature: return "missing signature header";
    case VerifyError::malformed_signature: return "malformed signature header";
    case VerifyError::unknown_client: return "unknown client id";
    case VerifyError::unknown_key_version: return "unknown key version";
    case VerifyError::bad_signature: return "signature does not verify";
    case VerifyError::stale_request_time: return "request-time outside the allowed clock skew";
  }
  return "unverifiable";
}

SignedParts signed_parts(std::string_view request_uri, std::string_view client_id,
                         std::string_view request_time, std::string_view body) {
  return {"POST ", request_uri, "\n", client_id, ".", request_time, ".", body};
}

std::string signed_content(std::string_view request_uri, std::string_view client_id,
                           std::string_view request_time, std::string_view body) {
  const SignedParts parts = signed_parts(request_uri, client_id, request_time, body);
  std::string content;
  std::size_t size = 0;
  for (const auto part : parts) size += part.size();
  content.reserve(size);
  for (const auto part : parts) content.append(part);
  return content;
}

Verdict verify_notification(const SignedRequest& r, const KeyRegistry& keys,
                            const VerifyOptions& options) {
  Verdict verdict;
  auto fail = [&](VerifyError e) {
    verdict.error = e;
    return verdict;
  };
  if (r.client_id.empty()) return fail(VerifyError::missing_client_id);
  if (r.request_time.empty()) return fail(VerifyError::missing_request_time);
  // Antom's two forms only: with client ids free of dots too, the first two dots of the
  // signed content always separate the same three parts.
  if (!parse_request_time_ms(r.request_time)) return fail(VerifyError::malformed_request_time);
  if (r.signature_header.empty()) return fail(VerifyError::missing_signature);
  const auto parsed = parse_signature_header(r.signature_header);
  if (!parsed.header) return fail(VerifyError::malformed_signature);
  verdict.key_version = parsed.header->key_version;
  if (!keys.knows_client(r.client_id)) return fail(VerifyError::unknown_client);
  const auto candidates = keys.candidates(r.client_id, verdict.key_version);
  if (candidates.empty()) return fail(VerifyError::unknown_key_version);

  bool verified = false;
  for (const SignatureKey* key : candidates) {
    if (key->verify(signed_parts(r.request_uri, r.client_id, r.request_time, r.body),
                    parsed.header->signature)) {
      verified = true;
      break;
    }
  }
  if (!verified) return fail(VerifyError::bad_signature);

  // After the signature, so an attacker learns nothing about timing rules from forged requests.
  if (options.max_clock_skew_ms > 0) {
    const auto sent = parse_request_time_ms(r.request_time);
    if (!sent || std::llabs(options.now_ms - *sent) > options.max_clock_skew_ms) {
      return fail(VerifyError::stale_request_time);
    }
  }
  return verdict;
}

}  // namespace paynotify
