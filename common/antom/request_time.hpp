#pragma once
// Antom's request-time header: epoch milliseconds in some products, ISO 8601 in others.
// Verification treats it as opaque; this parse serves only metrics and the optional skew check.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paynotify {

// The range every parsed value lies in, years 0000 to 9999 UTC, so arithmetic on two of them
// cannot overflow.
inline constexpr int64_t kLatestRequestTimeMs = 253'402'300'799'999;
inline constexpr int64_t kEarliestRequestTimeMs = -62'167'219'200'000;  // 0000-01-01T00:00:00Z

// Milliseconds since the Unix epoch, or nullopt when the value is in neither form.
// Accepts `1700000000000`, `2019-07-12T12:08:56.253+05:30`, `...Z`, `...+0530`, no fraction;
// the ISO form must name its zone (Z or an offset), which also makes the signed content
// split one way only (verifier.hpp).
std::optional<int64_t> parse_request_time_ms(std::string_view value);

// `2026-11-25T10:00:00.123Z`: epoch milliseconds in the ISO form the parse reads back (the
// worker's order requests and ledger, `paynotify ledger`).
std::string iso8601_utc(int64_t epoch_ms);

// Now, in epoch milliseconds: the clock request times, received-at, Kafka timestamps and the
// ledger's times are on.
int64_t epoch_now_ms();

}  // namespace paynotify
