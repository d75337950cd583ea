#pragma once
// Antom's `signature` request header: `algorithm=RSA256,keyVersion=1,signature=<urlencoded b64>`.

#include <optional>
#include <string>
#include <string_view>

namespace paynotify {

struct SignatureHeader {
  std::string algorithm;    // as sent; only RSA256 verifies
  std::string key_version;  // empty when the header has none
  std::string signature;    // raw signature bytes, already URL- and base64-decoded
};

enum class SignatureHeaderError { missing_signature, bad_encoding, unsupported_algorithm };

std::string_view describe(SignatureHeaderError e);

// Lenient on what senders vary (spaces after commas, the case of the keys, escape case, a raw
// '+'), strict on the rest. The value is split at the first '=' of each pair only, since
// base64 padding contains '='.
struct SignatureHeaderParse {
  std::optional<SignatureHeader> header;
  SignatureHeaderError error{};
};
SignatureHeaderParse parse_signature_header(std::string_view value);

// What people paste as "the signature": the whole header value, or only its signature part
// (URL-encoded or not). Returns a header value parse_signature_header accepts either way.
std::string signature_header_from_pasted(std::string_view pasted);

// What paynotify send puts on the wire, the way Antom's SDKs do.
std::string format_signature_header(std::string_view key_version, std::string_view signature);

}  // namespace paynotify
