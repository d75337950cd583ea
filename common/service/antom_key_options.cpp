#include "common/service/antom_key_options.hpp"

namespace paynotify {

std::vector<OptionSpec> antom_key_option_specs() {
  return {
      {"antom-public-key", "",
       "file with Antom's public key (PEM or the Dashboard's base64) for --client-id"},
      {"client-id", "", "the merchant client id the --antom-public-key belongs to"},
      {"keys", "",
       "JSON file: {clientId: [{keyVersion, publicKey}]}, for many merchants or key rotation"},
  };
}

std::shared_ptr<KeyRegistry> antom_keys_from(const Options& o) {
  const bool single = o.given("antom-public-key") || o.given("client-id");
  const bool many = o.given("keys");
  if (single && many)
    throw ConfigError("give either --antom-public-key with --client-id, or --keys, not both");
  if (!single && !many) return nullptr;
  auto keys = std::make_shared<KeyRegistry>();
  try {
    if (many) {
      *keys = KeyRegistry::from_json(read_file(o.str("keys")));
    } else {
      if (o.str("antom-public-key").empty())
        throw ConfigError("--client-id needs --antom-public-key");
      if (o.str("client-id").empty()) throw ConfigError("--antom-public-key needs --client-id");
      keys->add(o.str("client-id"), "", read_file(o.str("antom-public-key")));
    }
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw ConfigError(std::string(many ? "--keys: " : "--antom-public-key: ") + e.what());
  }
  return keys;
}

}  // namespace paynotify
