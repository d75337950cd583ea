#pragma once
// JSON that lives only during one call (a notification parsed into an order request, a
// ledger read or written): its values come from one block on the stack, and from the heap
// only past it, instead of one allocation per value. Whatever is built from it must not
// outlive it.

#include <boost/json/monotonic_resource.hpp>

#include <cstddef>

namespace paynotify::worker {

template <std::size_t Bytes>
struct JsonScratch {
  unsigned char bytes[Bytes];
  boost::json::monotonic_resource memory{bytes, sizeof bytes};
};

}  // namespace paynotify::worker
