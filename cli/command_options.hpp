#pragma once
// Shared option handling for the subcommands: --help prints and exits 0, mistakes exit 2.

#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/service/options.hpp"

namespace paynotify::cli {

// Subcommands read their options from flags and, from the environment, only the settings that
// say how to reach Kafka, Redis and Antom, under the names the services read them: after
// `eval "$(deploy/local/stack.sh env --secure)"` (or in a pod beside the services) a command
// reaches the same cluster, with the same credentials, as they do. Flags win. Credentials come
// only from the environment, to keep them off command lines (visible in `ps`). Every other
// PAYNOTIFY_* variable (a topic, a timeout) is a service's and never changes what a CLI call
// does: --topic, for one, names a different topic in different commands.
inline constexpr std::string_view kSharedConnectionSettings[] = {
    "PAYNOTIFY_KAFKA_BROKERS=", "PAYNOTIFY_KAFKA_PROP_",
    "PAYNOTIFY_REDIS=", "PAYNOTIFY_REDIS_USERNAME=", "PAYNOTIFY_REDIS_PASSWORD=",
    "PAYNOTIFY_REDIS_CA_FILE=", "PAYNOTIFY_REDIS_CERT_FILE=", "PAYNOTIFY_REDIS_KEY_FILE=",
    // How to ask Antom (reconcile), as the worker does.
    "PAYNOTIFY_CLIENT_ID=", "PAYNOTIFY_ANTOM_PUBLIC_KEY=", "PAYNOTIFY_KEYS=",
    "PAYNOTIFY_ANTOM_API_URL=", "PAYNOTIFY_ANTOM_API_CLIENT_ID=", "PAYNOTIFY_MERCHANT_PRIVATE_KEY=",
    "PAYNOTIFY_MERCHANT_KEY_VERSION=", "PAYNOTIFY_ANTOM_API_CA_FILE="};

inline constexpr const char* kCommandEnvironment =
    "\nEnvironment: as the services, PAYNOTIFY_KAFKA_BROKERS, PAYNOTIFY_KAFKA_PROP_<property with "
    "_ for .> (librdkafka properties, e.g. SASL credentials), PAYNOTIFY_REDIS, "
    "PAYNOTIFY_REDIS_USERNAME, PAYNOTIFY_REDIS_PASSWORD, PAYNOTIFY_REDIS_{CA,CERT,KEY}_FILE, "
    "and Antom's PAYNOTIFY_CLIENT_ID, PAYNOTIFY_ANTOM_PUBLIC_KEY, PAYNOTIFY_KEYS, "
    "PAYNOTIFY_ANTOM_API_URL, PAYNOTIFY_ANTOM_API_CLIENT_ID, PAYNOTIFY_MERCHANT_PRIVATE_KEY, "
    "PAYNOTIFY_MERCHANT_KEY_VERSION and "
    "PAYNOTIFY_ANTOM_API_CA_FILE are read where the command has the option (a flag wins); no "
    "other PAYNOTIFY_* variable is.\n";

// The entries of `environment` (NAME=value) a subcommand reads.
inline std::vector<std::string> command_environment(std::vector<std::string> environment) {
  std::vector<std::string> out;
  for (auto& entry : environment) {
    for (const auto prefix : kSharedConnectionSettings) {
      if (entry.rfind(prefix, 0) == 0) {
        out.push_back(std::move(entry));
        break;
      }
    }
  }
  return out;
}

// nullopt: go on and run. Otherwise the exit code.
inline std::optional<int> parse_command_line(Options& options,
                                             const std::vector<std::string>& args) {
  try {
    switch (options.parse(args, command_environment(process_environment()))) {
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
