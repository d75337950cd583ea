#include "worker/store/store_error.hpp"

#include "common/service/failure.hpp"

namespace paynotify::worker {
namespace {

std::string_view store_error_message(StoreError e) {
  switch (e) {
    case StoreError::unavailable: return "the store did not answer";
    case StoreError::bad_reply: return "the store answered with an error or something unreadable";
    case StoreError::untrusted: return "the parking is not trusted until it is rebuilt";
    case StoreError::contended: return "the data changed under every try";
  }
  return {};
}

}  // namespace

const boost::system::error_category& store_category() {
  static const EnumErrorCategory<StoreError> category("paynotify.store", store_error_message);
  return category;
}

boost::system::error_code make_error_code(StoreError e) {
  return {static_cast<int>(e), store_category()};
}

}  // namespace paynotify::worker
