#include "common/antom/request_time.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace paynotify {
namespace {

// Exactly `len` decimal digits: from_chars alone would take a sign ("-999" as a year).
bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const char* first = s.data() + pos;
  const auto [ptr, ec] = std::from_chars(first, first + len, out);
  return ec == std::errc{} && ptr == first + len;
}

}  // namespace

std::optional<int64_t> parse_request_time_ms(std::string_view v) {
  if (v.empty()) return std::nullopt;
  if (v.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t ms = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
    if (ec != std::errc{} || ptr != v.data() + v.size() || ms > kLatestRequestTimeMs)
      return std::nullopt;
    return ms;
  }
  // YYYY-MM-DDTHH:MM:SS[.fff]{Z|+HH:MM|+HHMM}. The zone is required: it ends the value, so
  // the signed `client-id.request-time.body` splits only one way. Without it, a genuine
  // `(C, "...:56.253Z", B)` would also verify as `(C, "...:56", "253Z." + B)`.
  int y, mo, d, h, mi, sec;
  if (v.size() < 19 || v[4] != '-' || v[7] != '-' || (v[10] != 'T' && v[10] != ' ') ||
      v[13] != ':' || v[16] != ':' || !read_int(v, 0, 4, y) || !read_int(v, 5, 2, mo) ||
      !read_int(v, 8, 2, d) || !read_int(v, 11, 2, h) || !read_int(v, 14, 2, mi) ||
      !read_int(v, 17, 2, sec)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int64_t millis = 0;
  if (pos < v.size() && v[pos] == '.') {
    ++pos;
    if (pos == v.size() || v[pos] < '0' || v[pos] > '9') return std::nullopt;
    int64_t scale = 100;
    while (pos < v.size() && v[pos] >= '0' && v[pos] <= '9') {
      millis += (v[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  int64_t offset_min = 0;
  if (pos < v.size() && (v[pos] == 'Z' || v[pos] == 'z')) {
    ++pos;
  } else if (pos < v.size() && (v[pos] == '+' || v[pos] == '-')) {
    const int sign = v[pos] == '-' ? -1 : 1;
    int oh, om;
    if (!read_int(v, pos + 1, 2, oh)) return std::nullopt;
    const std::size_t mpos = pos + 3 < v.size() && v[pos + 3] == ':' ? pos + 4 : pos + 3;
    if (!read_int(v, mpos, 2, om)) return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_min = sign * (oh * 60 + om);
    pos = mpos + 2;
  } else {
    return std::nullopt;  // no zone
  }
  if (pos != v.size()) return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const auto tp = sys_days{date} + hours{h} + minutes{mi} + seconds{sec} - minutes{offset_min};
  const int64_t ms = duration_cast<milliseconds>(tp.time_since_epoch()).count() + millis;
  // An offset can carry year 9999 past its end (or year 0 before its start): kept in range.
  if (ms > kLatestRequestTimeMs || ms < kEarliestRequestTimeMs) return std::nullopt;
  return ms;
}

std::string iso8601_utc(int64_t epoch_ms) {
  const std::time_t t = epoch_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(epoch_ms % 1000));
  return out;
}

int64_t epoch_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace paynotify
