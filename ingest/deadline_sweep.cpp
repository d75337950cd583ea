#include "ingest/deadline_sweep.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace paynotify::ingest {

namespace net = boost::asio;

DeadlineSweep::Deadline::Deadline(DeadlineSweep& sweep, std::function<void()> expire)
    : sweep_(sweep), expire_(std::move(expire)), next_(sweep.first_) {
  if (next_ != nullptr) next_->prev_ = this;
  sweep_.first_ = this;
  ++sweep_.registered_;
}

DeadlineSweep::Deadline::~Deadline() {
  if (prev_ != nullptr) prev_->next_ = next_;
  if (next_ != nullptr) next_->prev_ = prev_;
  if (sweep_.first_ == this) sweep_.first_ = next_;
  --sweep_.registered_;
}

std::chrono::milliseconds DeadlineSweep::tick_for(
    std::initializer_list<std::chrono::milliseconds> timeouts) {
  const auto shortest = std::min(timeouts);
  return std::clamp(shortest / 10, std::chrono::milliseconds(1), std::chrono::milliseconds(100));
}

void DeadlineSweep::sweep(Clock::time_point now) {
  for (Deadline* d = first_; d != nullptr;) {
    Deadline* next = d->next_;  // expiring closes a socket; the entry itself stays until its
                                // connection's coroutine ends, later
    if (!d->expired_ && d->when_ <= now) {
      d->expired_ = true;
      d->expire_();
    }
    d = next;
  }
}

net::awaitable<void> DeadlineSweep::run() {
  net::steady_timer timer(co_await net::this_coro::executor);
  for (;;) {
    timer.expires_after(tick_);
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (ec) co_return;
    sweep(Clock::now());
  }
}

}  // namespace paynotify::ingest
