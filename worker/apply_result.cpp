#include "worker/apply_result.hpp"

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

ErrorClass classify(const ApplyResult& r) {
  if (!r.unsendable.empty()) return ErrorClass::permanent;  // sending it again cannot help
  if ((r.status >= 200 && r.status < 300) || r.status == 409) return ErrorClass::none;
  if (r.status == 404) return ErrorClass::not_found;  // the order write may not have landed yet
  if (r.status >= 400 && r.status < 500 && r.status != 408 && r.status != 429)
    return ErrorClass::permanent;
  return ErrorClass::transient;  // 5xx, 408, 429, timeouts, refused connections
}

std::string describe(const ApplyResult& r) {
  if (!r.unsendable.empty()) return "not sent to the order service: " + r.unsendable;
  if (r.status == 0) return "order service unreachable: " + r.transport;
  std::string s = "order service answered " + std::to_string(r.status);
  if (!r.body.empty()) s += ": " + r.body.substr(0, 200);
  return s;
}

}  // namespace paynotify::worker
