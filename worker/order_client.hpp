#pragma once
// The seam to the order service (real adapter: OrderServiceClient; tests use in-memory fakes).

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

#include "worker/apply_result.hpp"

namespace paynotify::worker {

struct OrderCall {
  std::string idempotency_key;  // the event id
  std::string traceparent;
  std::string body;  // JSON
};
// Shared, not copied: a record's call is made again on every retry of its event, and taken by
// value into the coroutines that make it.
using SharedOrderCall = std::shared_ptr<const OrderCall>;

class OrderClient {
 public:
  virtual ~OrderClient() = default;
  // Failures are values (an OrderCallFailure: its code and the transport's words); an exception
  // is a fault the engine turns into a failed call.
  virtual boost::asio::awaitable<ApplyResult> apply(SharedOrderCall call) = 0;
};

}  // namespace paynotify::worker
