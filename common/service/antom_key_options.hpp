#pragma once
// The options that name Antom's public keys, shared by the ingest (which verifies each
// notification) and the worker (which verifies each record again: README "Who may write").

#include <memory>
#include <vector>

#include "common/antom/key_registry.hpp"
#include "common/service/options.hpp"

namespace paynotify {

// --antom-public-key with --client-id (one merchant), or --keys (a JSON file, many or rotation).
std::vector<OptionSpec> antom_key_option_specs();

// The keys the options name, or nullptr when none is given. Throws ConfigError naming the
// option when they are half given, unreadable or not keys.
std::shared_ptr<KeyRegistry> antom_keys_from(const Options& o);

}  // namespace paynotify
