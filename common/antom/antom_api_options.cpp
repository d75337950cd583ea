#include "common/antom/antom_api_options.hpp"

namespace paynotify {

std::vector<OptionSpec> antom_api_option_specs() {
  return {
      {"antom-api-url", "",
       "Antom's API endpoint for the merchant's region (https://host, as Antom Dashboard and "
       "Antom's docs name it); needed to ask Antom"},
      {"merchant-private-key", "",
       "file with the merchant's private key (PEM, or the bare base64 Antom's SDKs take) that "
       "signs requests to Antom; without it paynotify never calls Antom"},
      {"merchant-key-version", "1", "the version of --merchant-private-key registered with Antom"},
      {"antom-api-client-id", "",
       "the merchant client id to ask Antom as (default: --client-id; needed with --keys)"},
      {"antom-api-ca-file", "", "PEM CAs to trust for --antom-api-url instead of the system's"},
  };
}

std::optional<AntomApiSettings> antom_api_settings_from(
    const Options& o, std::shared_ptr<const KeyRegistry> antom_keys) {
  if (o.str("merchant-private-key").empty()) {
    if (!o.str("antom-api-url").empty())
      throw ConfigError("--antom-api-url needs --merchant-private-key to sign requests");
    return std::nullopt;
  }
  if (o.str("antom-api-url").empty())
    throw ConfigError("--merchant-private-key needs --antom-api-url, Antom's endpoint");
  AntomApiSettings s;
  s.client_id = o.str("antom-api-client-id");
  if (s.client_id.empty()) s.client_id = o.str("client-id");
  if (s.client_id.empty()) {
    throw ConfigError(
        "asking Antom needs the merchant client id it asks as: --client-id, or "
        "--antom-api-client-id with --keys");
  }
  if (!antom_keys || !antom_keys->knows_client(s.client_id)) {
    throw ConfigError("no Antom public key for client id " + s.client_id +
                      " to verify Antom's answers with (--antom-public-key or --keys)");
  }
  s.base_url = o.str("antom-api-url");
  std::string text;
  try {
    text = read_file(o.str("merchant-private-key"));
  } catch (const std::exception& e) {
    throw ConfigError(std::string("--merchant-private-key: ") + e.what());
  }
  KeyLoad key = load_private_key(text);
  if (!key.key) throw ConfigError("--merchant-private-key: " + key.error);
  s.merchant_key = std::move(key.key);
  s.key_version = o.str("merchant-key-version");
  s.antom_keys = std::move(antom_keys);
  s.ca_file = o.str("antom-api-ca-file");
  return s;
}

}  // namespace paynotify
