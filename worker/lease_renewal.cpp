#include "worker/lease_renewal.hpp"

#include <boost/asio/this_coro.hpp>

#include "common/service/log.hpp"

namespace paynotify::worker {
namespace net = boost::asio;

net::awaitable<void> renew_leases(OrderCalls& calls, LeaseStore& leases, int64_t lease_ms,
                                  EngineClock& clock, std::function<bool()> stopped) {
  const auto alarm = clock.alarm(co_await net::this_coro::executor);
  while (!stopped()) {
    auto round = alarm->ring_at(clock.now_ms() + lease_ms / 3);
    co_await std::move(round);
    const auto due = calls.due_for_renewal();
    for (const auto& [key, owner] : due) {
      try {
        // The claim renews the lease its owner holds; the ledger read at the claim stands.
        auto renewal = leases.claim(ClaimRequest{key, owner, lease_ms, false});
        co_await std::move(renewal);
      } catch (const std::exception& e) {
        // Tried again on the next tick; the call's record decides on its own outcome.
        log_event(spdlog::level::warn, "lease_renewal_failed",
                  {{"eventId", key.event_id}, {"error", e.what()}});
      }
    }
  }
}

}  // namespace paynotify::worker
