#pragma once
// What may go into an HTTP header line we send. Boost.Beast 1.81 writes field values as given,
// so a CR or LF in a value would end the header (or the request) early and let whoever chose
// the value write headers or a whole second request of their own (request smuggling).

#include <string_view>

namespace paynotify {

// RFC 9110 §5.5: a field value is visible characters, spaces and tabs, and obs-text (bytes
// 0x80-0xFF). Refused: NUL, CR, LF, the other control characters and DEL.
constexpr bool is_sendable_field_value(std::string_view value) {
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return false;
  }
  return true;
}

// A field name is a token (RFC 9110 §5.1): letters, digits and !#$%&'*+-.^_`|~, at least one.
constexpr bool is_sendable_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

}  // namespace paynotify
