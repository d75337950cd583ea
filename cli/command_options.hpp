#pragma once
// Shared option handling for the subcommands: --help prints and exits 0, mistakes exit 2.

#include <iostream>
#include <optional>

#include "common/service/options.hpp"

namespace paynotify::cli {

// nullopt: go on and run. Otherwise the exit code. Subcommands read flags only, not the
// environment, so a PAYNOTIFY_* variable meant for a service never changes what a CLI call does.
inline std::optional<int> parse_command_line(Options& options, const std::vector<std::string>& args) {
  try {
    switch (options.parse(args, {})) {
      case Options::Outcome::help: std::cout << options.help_text(); return 0;
      case Options::Outcome::version: std::cout << "paynotify " << PAYNOTIFY_VERSION << "\n"; return 0;
      case Options::Outcome::run: return std::nullopt;
    }
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
  }
  return 2;
}

}  // namespace paynotify::cli
