#include "worker/store/store_error.hpp"

#include <string>

namespace paynotify::worker {
namespace {

// Boost's error_category has a protected non-virtual destructor (categories are never
// deleted through a base pointer), which -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class StoreCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "paynotify.store"; }
  std::string message(int value) const override {
    switch (static_cast<StoreError>(value)) {
      case StoreError::unavailable: return "the store did not answer";
      case StoreError::bad_reply: return "the store answered with an error or something unreadable";
      case StoreError::untrusted: return "the parking is not trusted until it is rebuilt";
    }
    return "store error " + std::to_string(value);
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& store_category() {
  static const StoreCategory category;
  return category;
}

boost::system::error_code make_error_code(StoreError e) {
  return {static_cast<int>(e), store_category()};
}

}  // namespace paynotify::worker
