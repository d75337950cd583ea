// libFuzzer target: event ids. Parts come from notifications (anyone who can write to the
// topics chooses them), and the id becomes the Idempotency-Key header and Redis keys: it may
// hold no control character, and two different lists of parts may never give one id.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/service/http_field.hpp"
#include "worker/payment_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::string a[3], b[3];
  for (auto& part : a) part = in.ConsumeRandomLengthString(32);
  for (auto& part : b) part = in.ConsumeRandomLengthString(32);
  const std::string id_a = paynotify::worker::join_event_id({a[0], a[1], a[2]});
  const std::string id_b = paynotify::worker::join_event_id({b[0], b[1], b[2]});
  const std::string id_short = paynotify::worker::join_event_id({b[0], b[1]});
  for (const std::string* id : {&id_a, &id_b, &id_short}) {
    if (!paynotify::is_sendable_field_value(*id)) __builtin_trap();
    for (const char c : *id) {
      if (c <= 0x20 || c >= 0x7f) __builtin_trap();
    }
  }
  const bool same_parts = a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
  if ((id_a == id_b) != same_parts) __builtin_trap();
  if (id_a == id_short) __builtin_trap();  // three parts never read as two
  return 0;
}
