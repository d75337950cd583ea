// libFuzzer target: a verified body is routed (never refused) and turned into an event or a
// dead-letter reason, whatever it holds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/antom/notification.hpp"
#include "worker/payment_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto route = paynotify::route_notification(body);
  if (route.kind.empty()) __builtin_trap();  // every body has a kind, UNKNOWN at worst
  // Routed while parsed (the ingest) or from the document (the worker): the same route.
  if (const auto doc = paynotify::parse_notification(body)) {
    const auto from_doc = paynotify::route_notification(*doc);
    if (route.kind != from_doc.kind || route.payment_id != from_doc.payment_id ||
        route.merchant_request != from_doc.merchant_request) {
      __builtin_trap();
    }
  } else if (route.kind != paynotify::kUnknownKind) {
    __builtin_trap();  // what is not a JSON object has no kind of its own
  }
  const auto derived = paynotify::worker::derive_event(body, 1'800'000'000'000);
  if (!derived.event && derived.error.empty()) __builtin_trap();  // no event without a reason
  if (derived.event && derived.event->event_id.empty()) __builtin_trap();
  return 0;
}
