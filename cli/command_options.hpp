#pragma once
// Shared option handling for the subcommands: --help prints and exits 0, mistakes exit 2.

#include <iostream>
#include <optional>

#include "common/service/options.hpp"

namespace paynotify::cli {

// Subcommands read their options from flags, so a PAYNOTIFY_* variable meant for a service never
// changes what a CLI call does; but credentials come from the environment, as the services take
// them, to keep them off command lines (visible in `ps`): Kafka client properties (SASL) and the
// Redis password. The chart's topics Job passes the Kafka client Secret this way.
inline constexpr const char* kCommandEnvironment =
    "\nEnvironment: PAYNOTIFY_KAFKA_PROP_<property with _ for .> (librdkafka properties, e.g. SASL "
    "credentials) and PAYNOTIFY_REDIS_PASSWORD are read; no other PAYNOTIFY_* variable is.\n";

inline std::vector<std::string> command_environment() {
  std::vector<std::string> out;
  for (auto& entry : process_environment()) {
    if (entry.rfind("PAYNOTIFY_KAFKA_PROP_", 0) == 0 ||
        entry.rfind("PAYNOTIFY_REDIS_PASSWORD=", 0) == 0) {
      out.push_back(std::move(entry));
    }
  }
  return out;
}

// nullopt: go on and run. Otherwise the exit code.
inline std::optional<int> parse_command_line(Options& options,
                                             const std::vector<std::string>& args) {
  try {
    switch (options.parse(args, command_environment())) {
      case Options::Outcome::help:
        std::cout << options.help_text(false) << kCommandEnvironment;
        return 0;
      case Options::Outcome::version:
        std::cout << "paynotify " << PAYNOTIFY_VERSION << "\n";
        return 0;
      case Options::Outcome::run: return std::nullopt;
    }
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
  }
  return 2;
}

}  // namespace paynotify::cli
