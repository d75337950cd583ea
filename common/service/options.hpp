#pragma once
// Command-line and environment configuration (DESIGN.md "Configuration"): every option is a
// flag and a PAYNOTIFY_* variable, flags win, bad values stop start-up naming the option.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace paynotify {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;  // without the leading "--"
  std::string default_value;
  std::string help;
  bool is_switch = false;   // takes no value: present means "true"
  bool repeatable = false;  // may be given several times; values are collected
  // A secret: taken from its PAYNOTIFY_* variable only and refused as a flag, since a command
  // line shows in `ps` and /proc/<pid>/cmdline.
  bool env_only = false;
};

// The process environment as "NAME=value" strings (injectable for tests).
std::vector<std::string> process_environment();

class Options {
 public:
  enum class Outcome { run, help, version };

  Options(std::string program, std::string summary, std::vector<OptionSpec> specs);

  // Throws ConfigError naming the option on unknown flags, missing values and the like, and on
  // a secret given as a flag (an env_only option, a --kafka-prop holding a password or a key),
  // naming the variable to use instead and never repeating the value.
  Outcome parse(const std::vector<std::string>& args, const std::vector<std::string>& environment);

  // environment=false: for commands that read their options from flags only.
  std::string help_text(bool environment = true) const;
  static std::string env_name(std::string_view option);

  bool given(std::string_view name) const;  // by flag or environment
  std::string str(std::string_view name) const;
  int64_t integer(std::string_view name, int64_t min, int64_t max) const;
  // A duration: an integer with a unit, ms, s, m, h or d ("48h", "90s", "500ms"); in ms.
  int64_t duration_ms(std::string_view name, int64_t min_ms, int64_t max_ms) const;
  bool flag(std::string_view name) const;
  std::vector<std::string> list(std::string_view name) const;
  // `host:port`; throws ConfigError when either part is missing or the port is out of range.
  std::pair<std::string, uint16_t> endpoint(std::string_view name) const;
  // The same check of a text that option `name` holds.
  static std::pair<std::string, uint16_t> parse_endpoint(std::string_view name,
                                                         const std::string& text);
  // A port's digits as a number; nullopt unless they are 0-65535 and nothing else.
  static std::optional<uint16_t> parse_port(std::string_view digits);
  std::vector<std::string> positional() const { return positional_; }

  // Kafka client properties from repeated --kafka-prop k=v and PAYNOTIFY_KAFKA_PROP_<k with _>.
  std::map<std::string, std::string> kafka_properties() const;

 private:
  const OptionSpec& spec(std::string_view name) const;

  std::string program_;
  std::string summary_;
  std::vector<OptionSpec> specs_;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::map<std::string, std::string> env_kafka_props_;
  std::vector<std::string> positional_;
};

}  // namespace paynotify
