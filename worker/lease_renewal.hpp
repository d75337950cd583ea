#pragma once
// One renewer for all order-service calls, started with the engine: every third of the lease
// it renews the leases of the calls that were under way at its previous round already, so a
// short lease (a crashed worker's events are taken over quickly) never runs out under a slow
// call (each lease is renewed within two thirds of a lease of its call's start), and a fast
// call costs nothing extra. Runs on the engine's thread until `stopped` reads true.

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>

#include "worker/engine_clock.hpp"
#include "worker/order_calls.hpp"
#include "worker/store/lease_store.hpp"

namespace paynotify::worker {

boost::asio::awaitable<void> renew_leases(OrderCalls& calls, LeaseStore& leases, int64_t lease_ms,
                                          EngineClock& clock, std::function<bool()> stopped);

}  // namespace paynotify::worker
