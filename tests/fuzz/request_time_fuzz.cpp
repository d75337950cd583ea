// libFuzzer target: the request-time header (epoch ms or ISO 8601) and the stale-replay rule.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/antom/request_time.hpp"
#include "worker/payment_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto ms = paynotify::parse_request_time_ms(text)) {
    // Epoch ms in canonical form reads back to itself.
    if (*ms >= 0 && paynotify::parse_request_time_ms(std::to_string(*ms)) != *ms) __builtin_trap();
  }
  (void)paynotify::worker::stale_replay(text, 1'800'000'000'000, 6LL * 86'400'000);
  return 0;
}
