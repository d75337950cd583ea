#pragma once
// Base64 and percent-encoding as Antom's signature header uses them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paynotify {

std::string base64_encode(std::string_view bytes);

// Standard alphabet, padding optional; ASCII whitespace is skipped. nullopt on any other
// character or an impossible length.
std::optional<std::string> base64_decode(std::string_view text);

// Percent-decodes upper- and lower-case escapes. A literal '+' stays '+': Antom's value is
// base64, where '+' is data, and a form-style decoder turning it into a space would break it.
// nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

// Escapes everything but RFC 3986 unreserved characters, upper-case hex (as the Java SDK).
std::string percent_encode(std::string_view text);

// Header-value text: spaces and tabs trimmed at both ends; ASCII case-insensitive equality.
std::string_view trim_blanks(std::string_view s);
bool iequals_ascii(std::string_view a, std::string_view b);

// The whole text as a decimal int64 (an optional leading '-'); nullopt for anything else:
// empty, a '+', blanks, trailing characters, out of range.
std::optional<int64_t> parse_int64(std::string_view text);

}  // namespace paynotify
