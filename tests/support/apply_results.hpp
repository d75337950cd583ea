#pragma once
// Reading an order call's result in a test's expectations: its status (0 when there was no
// answer), why there was none ("" when there was), its body.

#include <string>

#include "worker/apply_result.hpp"

namespace paynotify::testing {

inline unsigned status_of(const worker::ApplyResult& r) { return r ? r->status : 0; }
inline std::string failure_of(const worker::ApplyResult& r) {
  return r ? std::string() : r.error().detail;
}
inline std::string body_of(const worker::ApplyResult& r) { return r ? r->body : std::string(); }

}  // namespace paynotify::testing
