#pragma once
// The engine's seam to the dedupe store for the two calls every event makes, awaited on the
// engine's loop: RedisLoopStore pipelines them over the loop's own Redis connection; the
// DedupePool runs them on store threads (any DedupeStore: the tests' in-memory one).

#include <boost/asio/awaitable.hpp>

#include "worker/store/dedupe_store.hpp"

namespace paynotify::worker {

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // Takes (or renews) the event's lease; with_ledger: the payment's ledger read with it.
  // A claim the store did not answer (or, untrusted, may not: the parking is being rebuilt) is
  // an error, never an outcome.
  virtual boost::asio::awaitable<StoreResult<LedgerClaim>> claim(ClaimRequest request) = 0;
  // Marks the event done; with a ledger update, in one compare-and-set step with it.
  virtual boost::asio::awaitable<StoreResult<LedgerWrite>> complete(CompleteRequest request) = 0;
};

}  // namespace paynotify::worker
