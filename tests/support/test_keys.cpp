#include "tests/support/test_keys.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

namespace paynotify::testing {

const TestKey& test_key(int index) {
  static std::mutex mu;
  static std::map<int, TestKey> keys;
  std::lock_guard lock(mu);
  auto it = keys.find(index);
  if (it == keys.end()) {
    TestKey k;
    k.pair = generate_rsa_key_pair(2048);
    k.private_key = load_private_key(k.pair.private_pem).key;
    if (!k.private_key) throw std::runtime_error("test key did not load");
    it = keys.emplace(index, std::move(k)).first;
  }
  return it->second;
}

}  // namespace paynotify::testing
