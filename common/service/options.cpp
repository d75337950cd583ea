#include "common/service/options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include "common/antom/encoding.hpp"

extern char** environ;

namespace paynotify {

namespace {

constexpr std::string_view kPropPrefix = "PAYNOTIFY_KAFKA_PROP_";

// Where a command line shows, and so why a secret never goes on one.
constexpr std::string_view kFlagsShow = "a command line shows in `ps` and /proc/<pid>/cmdline";

// The variable that carries librdkafka property `key` (parse() reads it back).
std::string kafka_prop_env_name(std::string_view key) {
  std::string out(kPropPrefix);
  for (const char c : key)
    out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// librdkafka properties whose value is a credential: any *.password (sasl.password,
// ssl.key.password, ssl.keystore.password), any *secret (sasl.oauthbearer.client.secret) and
// the private key itself.
bool is_secret_kafka_property(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return key == "ssl.key.pem" || key.ends_with(".password") || key.ends_with("secret");
}

}  // namespace

std::vector<std::string> process_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

Options::Options(std::string program, std::string summary, std::vector<OptionSpec> specs)
    : program_(std::move(program)), summary_(std::move(summary)), specs_(std::move(specs)) {
  specs_.push_back(
      {"kafka-prop", "",
       "extra librdkafka property k=v (repeatable; also PAYNOTIFY_KAFKA_PROP_<k with _ for .>, "
       "the only form taken for passwords, secrets and ssl.key.pem)",
       false, true});
}

std::string Options::env_name(std::string_view option) {
  std::string out = "PAYNOTIFY_";
  for (const char c : option) {
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

const OptionSpec& Options::spec(std::string_view name) const {
  const auto it =
      std::find_if(specs_.begin(), specs_.end(), [&](const auto& s) { return s.name == name; });
  if (it == specs_.end()) throw std::logic_error("undeclared option --" + std::string(name));
  return *it;
}

Options::Outcome Options::parse(const std::vector<std::string>& args,
                                const std::vector<std::string>& environment) {
  std::map<std::string, std::vector<std::string>, std::less<>> from_flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return Outcome::help;
    if (arg == "--version") return Outcome::version;
    if (arg.rfind("--", 0) != 0 || arg == "--" || arg == "-") {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const auto it =
        std::find_if(specs_.begin(), specs_.end(), [&](const auto& s) { return s.name == name; });
    if (it == specs_.end()) throw ConfigError("unknown option --" + name + " (see --help)");
    if (it->env_only) {
      throw ConfigError("--" + name + " is not taken as a flag (" + std::string(kFlagsShow) +
                        "): set " + env_name(name) + " instead");
    }
    if (it->is_switch) {
      if (value && *value != "true" && *value != "false") {
        throw ConfigError("--" + name + " takes no value or true/false");
      }
      from_flags[name] = {value.value_or("true")};
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) throw ConfigError("--" + name + " needs a value");
      value = args[++i];
    }
    if (const auto eq = value->find('='); name == "kafka-prop" && eq != std::string::npos) {
      const std::string key = value->substr(0, eq);
      if (is_secret_kafka_property(key)) {
        throw ConfigError("--kafka-prop " + key + " holds a secret and is not taken as a flag (" +
                          std::string(kFlagsShow) + "): set " + kafka_prop_env_name(key) +
                          " instead");
      }
    }
    auto& slot = from_flags[name];
    if (!it->repeatable) slot.clear();
    slot.push_back(*value);
  }

  for (const auto& entry : environment) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = entry.substr(0, eq);
    const std::string value = entry.substr(eq + 1);
    if (key.rfind(kPropPrefix, 0) == 0) {
      std::string prop = key.substr(kPropPrefix.size());
      std::transform(prop.begin(), prop.end(), prop.begin(), [](char c) {
        return c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      });
      env_kafka_props_[prop] = value;
      continue;
    }
    for (const auto& s : specs_) {
      if (s.name == "kafka-prop" || env_name(s.name) != key || from_flags.count(s.name)) continue;
      if (s.is_switch && value != "true" && value != "false" && value != "1" && value != "0") {
        throw ConfigError(key + " must be true or false");
      }
      values_[s.name] = {s.is_switch ? (value == "1" || value == "true" ? "true" : "false")
                                     : value};
    }
  }
  for (auto& [name, vals] : from_flags) values_[name] = std::move(vals);
  return Outcome::run;
}

std::string Options::help_text(bool environment) const {
  std::ostringstream out;
  out << "Usage: " << program_ << " [options]\n"
      << summary_ << "\n\n"
      << (environment ? "Options (each also an environment variable):\n" : "Options:\n");
  for (const auto& s : specs_) {
    // An environment-only option is listed even for flag-only commands: they read it too.
    const std::string left = s.env_only
                                 ? "  " + env_name(s.name) + " (environment only, never a flag)"
                                 : "  --" + s.name + (s.is_switch ? "" : " VALUE");
    out << left << "\n      " << s.help;
    if (!s.default_value.empty()) out << " (default: " << s.default_value << ")";
    if (environment && !s.env_only && s.name != "kafka-prop")
      out << "\n      env: " << env_name(s.name);
    out << "\n";
  }
  out << "  --help, --version\n";
  return out.str();
}

bool Options::given(std::string_view name) const {
  spec(name);
  return values_.find(name) != values_.end();
}

std::string Options::str(std::string_view name) const {
  const auto& s = spec(name);
  if (const auto it = values_.find(name); it != values_.end() && !it->second.empty()) {
    return it->second.back();
  }
  return s.default_value;
}

int64_t Options::integer(std::string_view name, int64_t min, int64_t max) const {
  const std::string text = str(name);
  const std::optional<int64_t> parsed = parse_int64(text);
  if (!parsed) {
    throw ConfigError("--" + std::string(name) + " must be an integer, got '" + text + "'");
  }
  const int64_t value = *parsed;
  if (value < min || value > max) {
    throw ConfigError("--" + std::string(name) + " must be between " + std::to_string(min) +
                      " and " + std::to_string(max) + ", got " + text);
  }
  return value;
}

int64_t Options::duration_ms(std::string_view name, int64_t min_ms, int64_t max_ms) const {
  const std::string text = str(name);
  const auto fail = [&](const std::string& why) {
    return ConfigError("--" + std::string(name) + " " + why + ", got '" + text + "'");
  };
  int64_t count = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (ec != std::errc{} || count < 0)
    throw fail("must be a duration such as 48h, 30m, 90s or 500ms");
  const std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  int64_t scale = 0;
  if (unit == "ms")
    scale = 1;
  else if (unit == "s")
    scale = 1000;
  else if (unit == "m")
    scale = 60 * 1000;
  else if (unit == "h")
    scale = 3600 * 1000;
  else if (unit == "d")
    scale = 86400 * 1000;
  else
    throw fail("needs a unit (ms, s, m, h or d)");
  if (count > max_ms / scale || count * scale < min_ms || count * scale > max_ms) {
    throw fail("must be between " + std::to_string(min_ms) + " ms and " + std::to_string(max_ms) +
               " ms");
  }
  return count * scale;
}

bool Options::flag(std::string_view name) const { return str(name) == "true"; }

std::vector<std::string> Options::list(std::string_view name) const {
  spec(name);
  const auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::pair<std::string, uint16_t> Options::endpoint(std::string_view name) const {
  return parse_endpoint(name, str(name));
}

std::pair<std::string, uint16_t> Options::parse_endpoint(std::string_view name,
                                                         const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw ConfigError("--" + std::string(name) + " must be host:port, got '" + text + "'");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const auto port = parse_port(std::string_view(text).substr(colon + 1));
  if (!port) throw ConfigError("--" + std::string(name) + " has a bad port in '" + text + "'");
  return {host, *port};
}

std::optional<uint16_t> Options::parse_port(std::string_view digits) {
  unsigned port = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || ptr != digits.data() + digits.size() || port > 65535)
    return std::nullopt;
  return static_cast<uint16_t>(port);
}

std::map<std::string, std::string> Options::kafka_properties() const {
  auto out = env_kafka_props_;
  for (const auto& kv : list("kafka-prop")) {
    const auto eq = kv.find('=');
    // Not repeated: a mistyped property may be a password.
    if (eq == std::string::npos || eq == 0)
      throw ConfigError("--kafka-prop must be key=value, one argument is not");
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

}  // namespace paynotify
