#include "worker/apply_result.hpp"

#include "common/service/failure.hpp"

namespace paynotify::worker {

std::string_view error_class_name(ErrorClass c) {
  switch (c) {
    case ErrorClass::none: return "none";
    case ErrorClass::transient: return "transient";
    case ErrorClass::not_found: return "not_found";
    case ErrorClass::permanent: return "permanent";
    case ErrorClass::unsigned_record: return "unsigned_record";
    case ErrorClass::invalid_record: return "invalid_record";
    case ErrorClass::unsupported_kind: return "unsupported_kind";
    case ErrorClass::stale: return "stale";
  }
  return "unknown";
}

namespace {

std::string_view order_call_error_message(OrderCallError e) {
  switch (e) {
    case OrderCallError::timeout: return "timed out";
    case OrderCallError::unreachable: return "unreachable";
    case OrderCallError::connection_lost: return "connection lost";
    case OrderCallError::bad_answer: return "an answer HTTP does not allow";
    case OrderCallError::unsendable: return "not sendable";
    case OrderCallError::worker_fault: return "worker fault";
  }
  return {};
}

}  // namespace

const boost::system::error_category& order_call_category() {
  static const EnumErrorCategory<OrderCallError> category("paynotify.order_call",
                                                          order_call_error_message);
  return category;
}

boost::system::error_code make_error_code(OrderCallError e) {
  return {static_cast<int>(e), order_call_category()};
}

ErrorClass classify(const ApplyResult& r) {
  if (!r) {
    // Sending it again cannot help; anything else without an answer may pass next time.
    return r.error().code == OrderCallError::unsendable ? ErrorClass::permanent
                                                        : ErrorClass::transient;
  }
  const unsigned status = r->status;
  if ((status >= 200 && status < 300) || status == 409) return ErrorClass::none;
  if (status == 404) return ErrorClass::not_found;  // the order write may not have landed yet
  if (status >= 400 && status < 500 && status != 408 && status != 429) return ErrorClass::permanent;
  return ErrorClass::transient;  // 5xx, 408, 429
}

std::string describe(const ApplyResult& r) {
  if (!r) {
    const OrderCallFailure& f = r.error();
    if (f.code == OrderCallError::unsendable) return "not sent to the order service: " + f.detail;
    if (f.code == OrderCallError::unreachable) return "order service unreachable: " + f.detail;
    return "order service call failed (" + f.code.message() + ")" +
           (f.detail.empty() ? std::string() : ": " + f.detail);
  }
  std::string s = "order service answered " + std::to_string(r->status);
  if (!r->body.empty()) s += ": " + r->body.substr(0, 200);
  return s;
}

}  // namespace paynotify::worker
