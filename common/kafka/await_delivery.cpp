#include "common/kafka/await_delivery.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>

namespace paynotify {
namespace net = boost::asio;

struct DeliveryInbox::Waiter {
  explicit Waiter(const net::any_io_executor& ex) : timer(ex) {}
  net::steady_timer timer;
  std::optional<DeliveryResult> result;
};

void DeliveryInbox::close() {
  std::lock_guard lock(mu_);
  open_ = false;
  arrived_.clear();
}

void DeliveryInbox::deliver(std::shared_ptr<Waiter> waiter, const DeliveryResult& result) {
  std::lock_guard lock(mu_);
  if (!open_) return;
  arrived_.emplace_back(std::move(waiter), result);
  if (std::exchange(drain_posted_, true)) return;  // the drain already on its way takes this too
  drains_.fetch_add(1, std::memory_order_relaxed);
  net::post(executor_, [self = shared_from_this()] { self->drain(); });
}

void DeliveryInbox::drain() {
  {
    std::lock_guard lock(mu_);
    drain_posted_ = false;
    handing_over_.swap(arrived_);
  }
  // On the waiting coroutines' own thread: no lock between setting a result and reading it.
  for (auto& [waiter, result] : handing_over_) {
    waiter->result = std::move(result);
    waiter->timer.cancel();
  }
  handing_over_.clear();
}

net::awaitable<DeliveryResult> publish_and_wait(Publisher& publisher,
                                                std::variant<OutgoingRecord, RecordView> record,
                                                std::chrono::milliseconds timeout,
                                                std::shared_ptr<DeliveryInbox> inbox) {
  auto waiter = std::make_shared<DeliveryInbox::Waiter>(inbox->executor());
  waiter->timer.expires_after(timeout);
  DeliveryCallback report = [inbox, waiter](const DeliveryResult& r) { inbox->deliver(waiter, r); };
  if (auto* owned = std::get_if<OutgoingRecord>(&record)) {
    publisher.publish(std::move(*owned), std::move(report));
  } else {
    publisher.publish_view(std::get<RecordView>(record), std::move(report));
  }
  if (!waiter->result) co_await waiter->timer.async_wait(net::as_tuple(net::use_awaitable));
  if (waiter->result) co_return std::move(*waiter->result);
  co_return failure(DeliveryError::no_report);
}

}  // namespace paynotify
