#include "common/service/log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <spdlog/sinks/stdout_sinks.h>

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

void log_event(spdlog::level::level_enum level, std::string_view event,
               std::initializer_list<LogField> fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  std::string line = "\"event\":";
  line += boost::json::serialize(boost::json::string_view(event.data(), event.size()));
  for (const auto& f : fields) {
    line += ',';
    line += boost::json::serialize(boost::json::string_view(f.key.data(), f.key.size()));
    line += ':';
    line += f.is_number ? f.value : boost::json::serialize(boost::json::string_view(f.value));
  }
  logger->log(level, "{}", line);
}

}  // namespace paynotify
