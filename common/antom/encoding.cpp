#include "common/antom/encoding.hpp"

#include <charconv>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace paynotify {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_decode_table() {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}
constexpr auto kDecode = make_decode_table();

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) {
    return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const uint32_t n = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += rest == 2 ? kAlphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

// The decoders write through a pointer into a string sized for the longest result and cut it
// to size at the end: appending a byte at a time checked the capacity per byte, a cost the
// worker paid for every record's signature.
std::optional<std::string> base64_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  char* next = out.data();
  const char* in = text.data();
  const char* const end = in + text.size();
  // Whole groups of four alphabet characters, a group at a time: a signature is nothing else up
  // to its padding (the ingest decodes one per request; a character at a time took 0.5 us).
  while (end - in >= 4) {
    const int a = kDecode[static_cast<unsigned char>(in[0])];
    const int b = kDecode[static_cast<unsigned char>(in[1])];
    const int c = kDecode[static_cast<unsigned char>(in[2])];
    const int d = kDecode[static_cast<unsigned char>(in[3])];
    if ((a | b | c | d) < 0) break;  // whitespace, padding or worse: the careful loop decides
    const auto n = static_cast<uint32_t>(a << 18 | b << 12 | c << 6 | d);
    *next++ = static_cast<char>(n >> 16 & 0xFF);
    *next++ = static_cast<char>(n >> 8 & 0xFF);
    *next++ = static_cast<char>(n & 0xFF);
    in += 4;
  }
  // The rest a character at a time, from a group boundary: nothing carried over.
  uint32_t acc = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (; in != end; ++in) {
    const char c = *in;
    if (is_space(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    const int8_t v = kDecode[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *next++ = static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // 6 leftover bits cannot come from whole bytes; more than two '=' is never valid.
  if (bits >= 6 || padding > 2) return std::nullopt;
  out.resize(static_cast<std::size_t>(next - out.data()));
  return out;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out(text.size(), '\0');
  char* next = out.data();
  const char* in = text.data();
  const char* const end = in + text.size();
  while (in != end) {
    // What lies between escapes is copied as a run.
    const auto* escape =
        static_cast<const char*>(std::memchr(in, '%', static_cast<std::size_t>(end - in)));
    next = std::copy(in, escape ? escape : end, next);
    if (escape == nullptr) break;
    if (end - escape < 3) return std::nullopt;  // truncated escape
    const int hi = hex_value(escape[1]);
    const int lo = hex_value(escape[2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    *next++ = static_cast<char>(hi * 16 + lo);
    in = escape + 3;
  }
  out.resize(static_cast<std::size_t>(next - out.data()));
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                            (u >= '0' && u <= '9') || u == '-' || u == '_' || u == '.' || u == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> parse_int64(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  // ASCII only, not the locale's tolower (a library call per character).
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [&](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace paynotify
