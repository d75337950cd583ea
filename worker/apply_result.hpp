#pragma once
// What one call to the order service came to, and its class in DESIGN.md's contract
// (applied, retry later, dead-letter). The retry decisions built on it are in record_flow.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/service/failure.hpp"

namespace paynotify::worker {

// The order service's answer, whatever its status (2xx, 4xx and 5xx alike).
struct OrderAnswer {
  unsigned status = 0;
  std::string body{};  // its first bytes, for the dead-letter reason
};

// Why a call got no answer.
enum class OrderCallError {
  timeout = 1,      // no answer, or no connection, in time
  unreachable,      // no connection: refused, no route, the name not resolved, TLS refused
  connection_lost,  // the connection failed or closed before the whole answer
  bad_answer,       // an answer HTTP does not allow (no status, 101, endless 1xx)
  unsendable,       // never sent: a header value it may not carry; sending it again cannot help
  worker_fault,     // the call failed inside the worker
};
const boost::system::error_category& order_call_category();
boost::system::error_code make_error_code(OrderCallError e);

// A call without an answer: why, and what the transport said (for the logs and dead letters).
using OrderCallFailure = Failure;

template <typename T>
using OrderCallResult = boost::system::result<T, OrderCallFailure>;
// One call to the order service: the answer, or why there was none.
using ApplyResult = OrderCallResult<OrderAnswer>;

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

template <>
struct boost::system::is_error_code_enum<paynotify::worker::OrderCallError> : std::true_type {};
