#include "common/kafka/await_delivery.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>

namespace paynotify {
namespace net = boost::asio;

namespace {
struct PendingDelivery {
  explicit PendingDelivery(const net::any_io_executor& ex) : timer(ex) {}
  net::steady_timer timer;
  std::optional<DeliveryResult> result;
};
}  // namespace

net::awaitable<DeliveryResult> publish_and_wait(Publisher& publisher, OutgoingRecord record,
                                                std::chrono::milliseconds timeout,
                                                std::shared_ptr<DeliveryGate> gate) {
  const auto ex = co_await net::this_coro::executor;
  auto pending = std::make_shared<PendingDelivery>(ex);
  pending->timer.expires_after(timeout);
  publisher.publish(std::move(record), [gate, pending, ex](const DeliveryResult& r) {
    std::lock_guard lock(gate->mu);
    if (!gate->open) return;
    // Runs on the coroutine's own thread: no lock is needed between setting the result and
    // the coroutine reading it.
    net::post(ex, [pending, r] {
      pending->result = r;
      pending->timer.cancel();
    });
  });
  if (!pending->result) co_await pending->timer.async_wait(net::as_tuple(net::use_awaitable));
  if (pending->result) co_return *pending->result;
  co_return failure(DeliveryError::no_report);
}

}  // namespace paynotify
