#include "common/antom/key_registry.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace paynotify {

void KeyRegistry::add(std::string client_id, std::string key_version, std::string_view key_text) {
  if (client_id.empty()) throw std::runtime_error("empty client id in key configuration");
  // Antom's client ids are letters, digits, '_' and '-'. A dot would let a signature made for
  // (client "M", time "1.<ms>") verify as (client "M.1", time "<ms>"): the signed content
  // joins the parts with dots.
  const bool antom_form = std::all_of(client_id.begin(), client_id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
  if (!antom_form) {
    throw std::runtime_error("client id '" + client_id +
                             "' must match [A-Za-z0-9_-]+ (Antom's form)");
  }
  auto loaded = load_public_key(key_text);
  if (!loaded.key) {
    throw std::runtime_error("public key of client id " + client_id + " key version " +
                             (key_version.empty() ? "(none)" : key_version) + ": " + loaded.error);
  }
  keys_[std::move(client_id)][std::move(key_version)] =
      std::make_shared<const SignatureKey>(std::move(loaded.key));
}

KeyRegistry KeyRegistry::from_json(std::string_view json) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(json, ec);
  if (ec) throw std::runtime_error("keys file is not valid JSON: " + ec.message());
  if (!doc.is_object())
    throw std::runtime_error("keys file must be an object of client id -> keys");
  KeyRegistry registry;
  for (const auto& [client, list] : doc.as_object()) {
    const std::string client_id(client);
    if (!list.is_array() || list.as_array().empty()) {
      throw std::runtime_error("keys of client id " + client_id + " must be a non-empty array");
    }
    for (const auto& entry : list.as_array()) {
      const auto* obj = entry.if_object();
      const auto* key = obj ? obj->if_contains("publicKey") : nullptr;
      if (key == nullptr || !key->is_string()) {
        throw std::runtime_error("a key of client id " + client_id + " lacks \"publicKey\"");
      }
      std::string version;
      if (const auto* v = obj->if_contains("keyVersion")) {
        if (v->is_string())
          version = std::string(v->as_string());
        else if (v->is_int64())
          version = std::to_string(v->as_int64());
        else
          throw std::runtime_error("keyVersion of client id " + client_id +
                                   " must be a string or integer");
      }
      registry.add(client_id, version, std::string_view(key->as_string()));
    }
  }
  if (registry.size() == 0) throw std::runtime_error("keys file holds no keys");
  return registry;
}

bool KeyRegistry::knows_client(std::string_view client_id) const {
  return keys_.find(client_id) != keys_.end();
}

KeyRegistry::Candidates KeyRegistry::candidates(std::string_view client_id,
                                                std::string_view key_version) const {
  Candidates out;
  const auto client = keys_.find(client_id);
  if (client == keys_.end()) return out;
  if (key_version.empty()) {
    for (const auto& [version, key] : client->second) out.push_back(key.get());
    return out;
  }
  if (const auto it = client->second.find(key_version); it != client->second.end()) {
    out.push_back(it->second.get());
  } else if (const auto unversioned = client->second.find("");
             unversioned != client->second.end()) {
    // A key configured without a version (--antom-public-key) serves whatever version Antom names.
    out.push_back(unversioned->second.get());
  }
  return out;
}

std::size_t KeyRegistry::size() const {
  std::size_t n = 0;
  for (const auto& [client, versions] : keys_) n += versions.size();
  return n;
}

}  // namespace paynotify
