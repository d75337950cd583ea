#include "common/antom/signature_header.hpp"

#include <algorithm>
#include <cctype>

#include "common/antom/encoding.hpp"

namespace paynotify {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

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
    const std::string_view pair = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = trim(pair.substr(0, eq));
    const std::string_view val = trim(pair.substr(eq + 1));
    if (iequals(key, "algorithm")) {
      out.algorithm = val;
    } else if (iequals(key, "keyVersion")) {
      out.key_version = val;
    } else if (iequals(key, "signature")) {
      encoded = val;
    }
  }
  if (!encoded || encoded->empty()) return {std::nullopt, SignatureHeaderError::missing_signature};
  // Antom documents only RSA256; an absent algorithm is taken as RSA256 like the SDKs do.
  if (!out.algorithm.empty() && !iequals(out.algorithm, "RSA256")) {
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
  pasted = trim(pasted);
  for (std::size_t i = 0; i + 10 <= pasted.size(); ++i) {
    if (iequals(pasted.substr(i, 10), "signature=")) return std::string(pasted);
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
