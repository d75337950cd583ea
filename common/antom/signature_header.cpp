#include "common/antom/signature_header.hpp"

#include <algorithm>
#include <cctype>

#include "common/antom/encoding.hpp"

namespace paynotify {

std::string_view describe(SignatureHeaderError e) {
  switch (e) {
    case SignatureHeaderError::missing_signature: return "signature header has no signature=";
    case SignatureHeaderError::bad_encoding: return "signature value is not url-encoded base64";
    case SignatureHeaderError::unsupported_algorithm: return "signature algorithm is not RSA256";
  }
  return "signature header is malformed";
}

SignatureHeaderParse parse_signature_header(std::string_view value) {
  SignatureHeader out;
  std::optional<std::string_view> encoded;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view pair = trim_blanks(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = trim_blanks(pair.substr(0, eq));
    const std::string_view val = trim_blanks(pair.substr(eq + 1));
    if (iequals_ascii(key, "algorithm")) {
      out.algorithm = val;
    } else if (iequals_ascii(key, "keyVersion")) {
      out.key_version = val;
    } else if (iequals_ascii(key, "signature")) {
      encoded = val;
    }
  }
  if (!encoded || encoded->empty()) return {std::nullopt, SignatureHeaderError::missing_signature};
  // Antom documents only RSA256; an absent algorithm is taken as RSA256 like the SDKs do.
  if (!out.algorithm.empty() && !iequals_ascii(out.algorithm, "RSA256")) {
    return {std::nullopt, SignatureHeaderError::unsupported_algorithm};
  }
  auto unescaped = percent_decode(*encoded);
  if (!unescaped) return {std::nullopt, SignatureHeaderError::bad_encoding};
  // A space inside base64 can only be a '+' that a form-style decoder on the way mangled.
  std::replace(unescaped->begin(), unescaped->end(), ' ', '+');
  auto raw = base64_decode(*unescaped);
  if (!raw || raw->empty()) return {std::nullopt, SignatureHeaderError::bad_encoding};
  out.signature = std::move(*raw);
  return {std::move(out), {}};
}

std::string signature_header_from_pasted(std::string_view pasted) {
  pasted = trim_blanks(pasted);
  for (std::size_t i = 0; i + 10 <= pasted.size(); ++i) {
    if (iequals_ascii(pasted.substr(i, 10), "signature=")) return std::string(pasted);
  }
  return "signature=" + std::string(pasted);
}

std::string format_signature_header(std::string_view key_version, std::string_view signature) {
  std::string out = "algorithm=RSA256,keyVersion=";
  out += key_version;
  out += ",signature=";
  out += percent_encode(base64_encode(signature));
  return out;
}

}  // namespace paynotify
