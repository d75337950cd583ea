#include "common/kafka/await_delivery.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cassert>
#include <iterator>
#include <optional>

namespace paynotify {
namespace net = boost::asio;

DeliveryInbox::DeliveryInbox(net::any_io_executor executor)
    : executor_(std::move(executor)), timer_(std::in_place, executor_) {}

DeliveryInbox::~DeliveryInbox() {
  // Waits are still listed only if close() never ran: then the timer's pending wait held the
  // inbox, and this is its context destroying it; the completions go with it. (Closed, or
  // outliving its context in a producer's callback, the inbox has nothing listed.)
  std::vector<Completion> abandoned;  // destroyed after the lock, with what their frames hold
  std::lock_guard lock(mu_);
  while (!waiting_.empty()) abandoned.push_back(unlink(waiting_.front()));
}

DeliveryInbox::Completion DeliveryInbox::unlink(Waiter& waiter) {
  waiting_.erase(waiting_.iterator_to(waiter));
  Completion completion = std::move(waiter.completion);
  intrusive_ptr_release(&waiter);  // the list's reference
  return completion;
}

void DeliveryInbox::close() {
  std::vector<Completion> open_waits;
  {
    std::lock_guard lock(mu_);
    // Once only: a second call may come after the context is gone (the worker closes on
    // shutdown and again when the engine is destroyed), and must not post to it.
    if (!std::exchange(open_, false)) return;
    arrived_.clear();
    while (!waiting_.empty()) open_waits.push_back(unlink(waiting_.front()));
  }
  for (auto& completion : open_waits) {
    post_failure(std::move(completion), DeliveryError::no_report, "shutting down");
  }
  net::post(executor_, [self = shared_from_this()] { self->disarm(); });
}

void DeliveryInbox::detach() {
  armed_ = false;
  timer_.reset();
}

void DeliveryInbox::post_failure(Completion completion, DeliveryError why, const char* detail) {
  net::post(executor_, [c = std::move(completion), why, detail]() mutable {
    std::move(c)(failure(why, detail));
  });
}

DeliveryInbox::WaiterRef DeliveryInbox::wait(Completion completion, Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (!open_) {
    lock.unlock();
    post_failure(std::move(completion), DeliveryError::not_queued, "shutting down");
    return nullptr;
  }
  WaiterRef waiter(new Waiter(deadline, std::move(completion)));
  // Kept by deadline. Waits mostly share one timeout, so a new one goes last.
  auto at = waiting_.end();
  while (at != waiting_.begin() && std::prev(at)->deadline > deadline) --at;
  waiting_.insert(at, *waiter);
  intrusive_ptr_add_ref(waiter.get());  // the list's reference
  lock.unlock();
  if (!armed_ || deadline < armed_for_) arm(deadline);
  return waiter;
}

void DeliveryInbox::deliver(const WaiterRef& waiter, const DeliveryResult& result) {
  std::lock_guard lock(mu_);
  if (!open_) return;
  arrived_.emplace_back(waiter, result);
  if (std::exchange(drain_posted_, true)) return;  // the drain already on its way takes this too
  drains_.fetch_add(1, std::memory_order_relaxed);
  net::post(executor_, [self = shared_from_this()] { self->drain(); });
}

DeliveryCallback DeliveryInbox::Waiter::report_to(std::shared_ptr<DeliveryInbox> inbox) {
  assert(!reporting_to && "a waiter is one publish's callback, once");
  reporting_to = std::move(inbox);
  intrusive_ptr_add_ref(this);  // the producer's reference, given up in let_go()
  return DeliveryCallback(this);
}

void DeliveryInbox::Waiter::deliver(const DeliveryResult& result) {
  reporting_to->deliver(WaiterRef(this), result);
}

void DeliveryInbox::Waiter::let_go() noexcept {
  // The inbox first: if this was its last holder, its destructor may still unlink this waiter,
  // which the reference below keeps alive until then.
  reporting_to.reset();
  intrusive_ptr_release(this);
}

void DeliveryInbox::drain() {
  bool idle = false;
  {
    std::lock_guard lock(mu_);
    drain_posted_ = false;
    handing_over_.swap(arrived_);
    for (auto& [waiter, result] : handing_over_) {
      // Not listed any more: its deadline passed first, or the inbox closed.
      if (waiter->is_linked()) ready_.emplace_back(unlink(*waiter), std::move(result));
    }
    idle = waiting_.empty();
  }
  handing_over_.clear();
  if (idle) disarm();
  // On the waiting coroutines' own thread: each resumes here, until its next suspension. Taken
  // out of ready_ first, so a completion that throws leaves no spent one behind for the next.
  std::vector<Ready> resuming;
  resuming.swap(ready_);
  for (auto& [completion, result] : resuming) std::move(completion)(std::move(result));
  resuming.clear();
  ready_.swap(resuming);  // its room, for the next drain
}

void DeliveryInbox::arm(Clock::time_point deadline) {
  if (!timer_) return;  // detached
  armed_ = true;
  armed_for_ = deadline;
  ++timer_arms_;
  timer_->expires_at(deadline);  // cancels a later one still pending, which then does nothing
  timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->expire();
  });
}

void DeliveryInbox::disarm() {
  // Nothing waits: the timer must not keep the context running (io_context::run() returns
  // when no work is left). Reports arrive in batches, so this is once per batch at most.
  if (!std::exchange(armed_, false) || !timer_) return;
  timer_->cancel();
}

void DeliveryInbox::expire() {
  armed_ = false;
  std::vector<Completion> late;
  std::optional<Clock::time_point> next;
  {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    while (!waiting_.empty() && waiting_.front().deadline <= now)
      late.push_back(unlink(waiting_.front()));
    if (!waiting_.empty()) next = waiting_.front().deadline;
  }
  if (next) arm(*next);
  for (auto& completion : late) std::move(completion)(failure(DeliveryError::no_report));
}

void publish_waiting(Publisher& publisher, std::variant<OutgoingRecord, RecordView> record,
                     std::chrono::milliseconds timeout, std::shared_ptr<DeliveryInbox> inbox,
                     DeliveryInbox::Completion completion) {
  // Waiting before publishing: a report can then never come before there is someone to take it.
  auto waiter = inbox->wait(std::move(completion), DeliveryInbox::Clock::now() + timeout);
  if (!waiter) return;  // closed: not published, and told so
  // The initiation runs inside the coroutine's resumption: what it throws would leave run()
  // and end the process, and the waiter listed. A report is what the caller gets instead.
  try {
    DeliveryCallback report = waiter->report_to(inbox);
    if (auto* owned = std::get_if<OutgoingRecord>(&record)) {
      publisher.publish(std::move(*owned), std::move(report));
    } else {
      publisher.publish_view(std::get<RecordView>(record), std::move(report));
    }
  } catch (const std::exception& e) {
    inbox->deliver(waiter, failure(DeliveryError::not_queued, e.what()));
  }
}

net::awaitable<DeliveryResult> publish_and_wait(Publisher& publisher,
                                                std::variant<OutgoingRecord, RecordView> record,
                                                std::chrono::milliseconds timeout,
                                                std::shared_ptr<DeliveryInbox> inbox) {
  return async_publish(publisher, std::move(record), timeout, std::move(inbox), net::use_awaitable);
}

}  // namespace paynotify
