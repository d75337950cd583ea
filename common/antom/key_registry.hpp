#pragma once
// The Antom public keys paynotify trusts: per client id, one key per key version (rotation).

#include <boost/container/small_vector.hpp>

#include <map>
#include <string>
#include <string_view>

#include "common/antom/rsa_key.hpp"

namespace paynotify {

class KeyRegistry {
 public:
  // Throws std::runtime_error naming the client id and key version of a bad key.
  void add(std::string client_id, std::string key_version, std::string_view key_text);

  // From the --keys file: {"<clientId>": [{"keyVersion": "1", "publicKey": "<PEM|base64>"}]}.
  // Throws std::runtime_error saying what is wrong where.
  static KeyRegistry from_json(std::string_view json);

  bool knows_client(std::string_view client_id) const;
  // The keys to try: the one of key_version, or every key of the client when the header
  // named no version. Empty when nothing matches.
  using Candidates = boost::container::small_vector<const SignatureKey*, 2>;
  Candidates candidates(std::string_view client_id, std::string_view key_version) const;
  std::size_t size() const;

 private:
  std::map<std::string, std::map<std::string, std::shared_ptr<const SignatureKey>, std::less<>>,
           std::less<>>
      keys_;
};

}  // namespace paynotify
