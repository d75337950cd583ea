#pragma once
// Antom's request-time header: epoch milliseconds in some products, ISO 8601 in others.
// Verification treats it as opaque; this parse serves only metrics and the optional skew check.

#include <cstdint>
#include <optional>
#include <string_view>

namespace paynotify {

// Milliseconds since the Unix epoch, or nullopt when the value is in neither form.
// Accepts `1700000000000`, `2019-07-12T12:08:56.253+05:30`, `...Z`, `...+0530`, no fraction.
std::optional<int64_t> parse_request_time_ms(std::string_view value);

}  // namespace paynotify
