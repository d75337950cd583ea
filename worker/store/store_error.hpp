#pragma once
// Why a store call did not do what was asked: the error codes the store seams
// (ledger_store.hpp, parking_store.hpp) return in boost::system::result, one category for
// every store.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <type_traits>

namespace paynotify::worker {

enum class StoreError {
  unavailable = 1,  // the store did not answer, or not in time: try again later
  bad_reply = 2,    // an error, or an answer this version cannot read (another version's?)
  untrusted = 3,    // the parking is not trusted (Redis lost its data): no claims until rebuilt
  contended = 4,    // the data changed under every compare-and-set try: try again shortly
};

const boost::system::error_category& store_category();
boost::system::error_code make_error_code(StoreError e);

template <typename T>
using StoreResult = boost::system::result<T>;

}  // namespace paynotify::worker

template <>
struct boost::system::is_error_code_enum<paynotify::worker::StoreError> : std::true_type {};
