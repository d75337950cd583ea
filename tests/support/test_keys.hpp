#pragma once
// Key pairs generated once per test process (RSA generation takes ~100 ms).

#include "common/antom/rsa_key.hpp"

namespace paynotify::testing {

struct TestKey {
  RsaKeyPair pair;
  EvpPkeyPtr private_key;
};

// index selects one of several independent keys (0: "Antom", 1: "someone else", ...).
const TestKey& test_key(int index = 0);

}  // namespace paynotify::testing
