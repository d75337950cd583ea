#include "common/service/ids.hpp"

#include <algorithm>
#include <random>

namespace paynotify {
namespace {

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

namespace {

// Writes 2 * bytes random lower-case hex digits at `out`.
void write_random_hex(char* out, std::size_t bytes) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t word = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    if (i % 8 == 0) word = rng();
    const auto b = static_cast<unsigned>(word & 0xFF);
    word >>= 8;
    *out++ = kHex[b >> 4];
    *out++ = kHex[b & 15];
  }
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::string out(bytes * 2, '0');
  write_random_hex(out.data(), bytes);
  return out;
}

std::string new_ingest_id() { return random_hex(16); }

bool is_valid_traceparent(std::string_view v) {
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  const auto version = v.substr(0, 2), trace = v.substr(3, 32), span = v.substr(36, 16),
             flags = v.substr(53, 2);
  const auto not_all_zero = [](std::string_view id) {
    return id.find_first_not_of('0') != std::string_view::npos;
  };
  return version == "00" && all_hex(trace) && all_hex(span) && all_hex(flags) &&
         not_all_zero(trace) && not_all_zero(span);
}

// One string, written in place (a notification without a traceparent gets one: Antom sends
// none, so this runs for nearly every notification).
std::string new_traceparent() {
  std::string out(55, '-');  // 00-<32 hex: trace id>-<16 hex: span id>-01
  out[0] = out[1] = '0';
  write_random_hex(out.data() + 3, 16);
  write_random_hex(out.data() + 36, 8);
  out[53] = '0';
  out[54] = '1';
  return out;
}

}  // namespace paynotify
