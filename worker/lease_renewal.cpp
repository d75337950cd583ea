#include "worker/lease_renewal.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/service/log.hpp"

namespace paynotify::worker {
namespace net = boost::asio;

net::awaitable<void> renew_leases(OrderCalls& calls, LeaseStore& leases, int64_t lease_ms,
                                  std::function<bool()> stopped) {
  net::steady_timer timer(co_await net::this_coro::executor);
  const auto every = std::chrono::milliseconds(lease_ms / 3);
  while (!stopped()) {
    timer.expires_after(every);
    auto tick = timer.async_wait(net::as_tuple(net::use_awaitable));
    co_await std::move(tick);
    const auto due = calls.under_way_longer_than(every);
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
