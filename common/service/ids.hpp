#pragma once
// Identifiers paynotify mints: ingest ids and W3C trace context.

#include <string>
#include <string_view>

namespace paynotify {

std::string random_hex(std::size_t bytes);  // from a per-thread generator seeded by the OS
std::string new_ingest_id();                // 32 hex characters

// `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>` with non-zero ids and version 00.
bool is_valid_traceparent(std::string_view value);
std::string new_traceparent();

}  // namespace paynotify
