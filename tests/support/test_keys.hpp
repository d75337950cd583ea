#pragma once
// Key pairs generated once per test process (RSA generation takes ~100 ms).

#include <string>

#include "common/antom/rsa_key.hpp"

namespace paynotify::testing {

struct TestKey {
  RsaKeyPair pair;
  EvpPkeyPtr private_key;
};

// index selects one of several independent keys (0: "Antom", 1: "someone else", ...).
const TestKey& test_key(int index = 0);

// test_key(0)'s public key in a PEM file, written once per test process and removed at its
// exit: what the ingest and the worker processes are started with.
const std::string& test_public_key_file();

}  // namespace paynotify::testing
