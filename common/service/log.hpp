#pragma once
// JSON log lines through spdlog: {"ts":...,"level":...,"component":...,"event":...,<fields>}.
// Callers pass fields explicitly; nothing here ever formats a key, a signature or a body.

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>

namespace paynotify {

// level: trace|debug|info|warn|error; throws ConfigError on anything else.
void init_logging(const std::string& component, const std::string& level);

struct LogField {
  std::string_view key;
  std::string value;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  template <typename N, typename = std::enable_if_t<std::is_arithmetic_v<N>>>
  LogField(std::string_view k, N n) : key(k), value(std::to_string(n)), is_number(true) {}
  bool is_number = false;
};

// Every string is written as valid UTF-8: bytes that are not become U+FFFD (a request path
// or header from the internet may hold anything).
void log_event(spdlog::level::level_enum level, std::string_view event,
               std::initializer_list<LogField> fields = {});

// `text` with each byte sequence that is not valid UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

// Bounds how many lines a flood can write (refused requests, forgeries): a burst of up to
// `burst` lines, then `per_second`. admit() says whether to log now and, if so, how many lines
// were dropped since the last one that was logged. Thread-safe.
class LogRateLimit {
 public:
  LogRateLimit(double per_second, double burst)
      : per_second_(per_second), burst_(burst), tokens_(burst) {}
  struct Admission {
    bool log = false;
    uint64_t dropped_before = 0;
  };
  Admission admit(std::chrono::steady_clock::time_point now);

 private:
  std::mutex mu_;
  double per_second_, burst_, tokens_;
  std::chrono::steady_clock::time_point last_{};
  uint64_t dropped_ = 0;
};

}  // namespace paynotify
