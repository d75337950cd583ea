#include "tests/support/test_keys.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
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

const std::string& test_public_key_file() {
  struct KeyFile {
    std::string path;
    KeyFile()
        : path((std::filesystem::temp_directory_path() /
                ("paynotify-test-key-" + std::to_string(getpid()) + ".pem"))
                   .string()) {
      std::ofstream(path) << test_key(0).pair.public_pem;
    }
    ~KeyFile() { std::filesystem::remove(path); }
  };
  static const KeyFile file;
  return file.path;
}

}  // namespace paynotify::testing
