#pragma once
// JSON log lines through spdlog: {"ts":...,"level":...,"component":...,"event":...,<fields>}.
// Callers pass fields explicitly; nothing here ever formats a key, a signature or a body.

#include <spdlog/spdlog.h>

#include <initializer_list>
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

void log_event(spdlog::level::level_enum level, std::string_view event,
               std::initializer_list<LogField> fields = {});

}  // namespace paynotify
