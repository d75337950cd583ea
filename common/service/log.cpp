#include "common/service/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>

#include "common/service/options.hpp"

namespace paynotify {

void init_logging(const std::string& component, const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw ConfigError("--log-level must be trace, debug, info, warn or error, got '" + level + "'");
  }
  // stderr, unsynchronised writes per line are atomic enough for line-sized JSON records.
  auto logger = spdlog::stderr_logger_mt(component);
  logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","component":"%n",%v})",
                      spdlog::pattern_time_type::utc);
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

namespace {

// Length of the valid UTF-8 sequence at the start of `s`, 0 when it is not one (overlongs,
// surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c == 0xE0) {
    n = 3;
    lo = 0xA0;
  } else if (c >= 0xE1 && c <= 0xEC)
    n = 3;
  else if (c == 0xED) {
    n = 3;
    hi = 0x9F;
  } else if (c >= 0xEE && c <= 0xEF)
    n = 3;
  else if (c == 0xF0) {
    n = 4;
    lo = 0x90;
  } else if (c >= 0xF1 && c <= 0xF3)
    n = 4;
  else if (c == 0xF4) {
    n = 4;
    hi = 0x8F;
  } else
    return 0;
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xBF) return 0;
  }
  return n;
}

std::string json_string(std::string_view text) {
  const std::string valid = valid_utf8(text);
  return boost::json::serialize(boost::json::string_view(valid));
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t n = utf8_sequence(text);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, n));
      text.remove_prefix(n);
    }
  }
  return out;
}

void log_event(spdlog::level::level_enum level, std::string_view event,
               std::initializer_list<LogField> fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  std::string line = "\"event\":";
  line += json_string(event);
  for (const auto& f : fields) {
    line += ',';
    line += json_string(f.key);
    line += ':';
    line += f.is_number ? f.value : json_string(f.value);
  }
  logger->log(level, "{}", line);
}

LogRateLimit::Admission LogRateLimit::admit(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (last_ != std::chrono::steady_clock::time_point{}) {
    tokens_ = std::min(burst_,
                       tokens_ + std::chrono::duration<double>(now - last_).count() * per_second_);
  }
  last_ = now;
  if (tokens_ < 1.0) {
    ++dropped_;
    return {};
  }
  tokens_ -= 1.0;
  const uint64_t dropped = dropped_;
  dropped_ = 0;
  return {true, dropped};
}

}  // namespace paynotify
