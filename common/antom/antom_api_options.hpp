#pragma once
// The options that let paynotify ask Antom (reconciliation), the same for the worker and the
// CLI. With them come antom_key_option_specs()'s --client-id and --antom-public-key: the
// merchant's client id names the caller, and Antom's public key verifies its answers.

#include <memory>
#include <optional>
#include <vector>

#include "common/antom/antom_api_client.hpp"
#include "common/service/options.hpp"

namespace paynotify {

std::vector<OptionSpec> antom_api_option_specs();

// The client's settings, or nothing when no --merchant-private-key is given (paynotify then
// never calls Antom). Throws ConfigError naming the option when they are half given, a file is
// unreadable or the key is not an RSA private key; the key itself is never in the message.
std::optional<AntomApiSettings> antom_api_settings_from(
    const Options& o, std::shared_ptr<const KeyRegistry> antom_keys);

}  // namespace paynotify
