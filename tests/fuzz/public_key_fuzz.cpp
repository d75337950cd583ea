// libFuzzer target: Antom's public key as configured (PEM or the Dashboard's base64 DER) and
// the --keys JSON file.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "common/antom/key_registry.hpp"
#include "common/antom/rsa_key.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)paynotify::load_public_key(text);
  try {
    (void)paynotify::KeyRegistry::from_json(text);
  } catch (const std::exception&) {
    // A bad file is a start-up error with a message; anything else would crash the fuzzer.
  }
  return 0;
}
