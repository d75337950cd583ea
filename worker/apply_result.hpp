#pragma once
// What one call to the order service came to, and its class in DESIGN.md's contract
// (applied, retry later, dead-letter). The retry decisions built on it are in record_flow.

#include <cstdint>
#include <string>
#include <string_view>

namespace paynotify::worker {

struct ApplyResult {
  unsigned status = 0;      // HTTP status; 0 when there was no answer
  std::string transport{};  // "timeout", "connection refused", ... when status is 0
  std::string body{};       // first bytes of the answer, for the dead-letter reason
  std::string
      unsendable{};  // why the request was never sent (a header it may not carry): permanent
};

// none: applied (2xx, 409). transient, not_found: retry. permanent: dead-letter at once.
// unsigned_record: the record carries no valid Antom signature of its value (not verified
// any further: not derived, not applied);
// invalid_record, unsupported_kind: no event could be derived from the record; stale: signed
// longer before its receipt than dedupe remembers, so it cannot be one of Antom's re-sends.
enum class ErrorClass {
  none,
  transient,
  not_found,
  permanent,
  unsigned_record,
  invalid_record,
  unsupported_kind,
  stale
};
std::string_view error_class_name(ErrorClass c);

ErrorClass classify(const ApplyResult& r);

// Whether a failed call says the service itself is failing, for the circuit breaker: a 404 or
// another 4xx is the service answering.
constexpr bool service_failing(ErrorClass c) { return c == ErrorClass::transient; }

// Whether the call is made again (quick tries, then the retry topic) rather than dead-lettered.
constexpr bool call_retried(ErrorClass c) {
  return c == ErrorClass::transient || c == ErrorClass::not_found;
}

// For the dead-letter reason and the log: what the service answered, or why it did not.
std::string describe(const ApplyResult& r);

}  // namespace paynotify::worker
