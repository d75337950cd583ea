#include "common/kafka/await_delivery.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iterator>
#include <optional>

namespace paynotify {
namespace net = boost::asio;

DeliveryInbox::DeliveryInbox(net::any_io_executor executor)
    : executor_(std::move(executor)), timer_(executor_) {}

DeliveryInbox::~DeliveryInbox() {
  // Reached with waits still listed only if close() never ran; the timer's pending wait holds
  // the inbox, so that is the context destroying it, and its completions go with it.
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
    open_ = false;
    arrived_.clear();
    while (!waiting_.empty()) open_waits.push_back(unlink(waiting_.front()));
  }
  for (auto& completion : open_waits) post_no_report(std::move(completion));
  net::post(executor_, [self = shared_from_this()] { self->disarm(); });
}

void DeliveryInbox::post_no_report(Completion completion) {
  net::post(executor_, [c = std::move(completion)]() mutable {
    std::move(c)(failure(DeliveryError::no_report));
  });
}

DeliveryInbox::WaiterRef DeliveryInbox::wait(Completion completion, Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (!open_) {  // closed: no report will be taken
    lock.unlock();
    post_no_report(std::move(completion));
    return WaiterRef(new Waiter(deadline, Completion()));
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
  // On the waiting coroutines' own thread: each resumes here, until its next suspension.
  for (auto& [completion, result] : ready_) std::move(completion)(std::move(result));
  ready_.clear();
}

void DeliveryInbox::arm(Clock::time_point deadline) {
  armed_ = true;
  armed_for_ = deadline;
  ++timer_arms_;
  timer_.expires_at(deadline);  // cancels a later one still pending, which then does nothing
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->expire();
  });
}

void DeliveryInbox::disarm() {
  // Nothing waits: the timer must not keep the context running (io_context::run() returns
  // when no work is left). Reports arrive in batches, so this is once per batch at most.
  if (!std::exchange(armed_, false)) return;
  timer_.cancel();
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
  DeliveryCallback report = [inbox, waiter](const DeliveryResult& r) { inbox->deliver(waiter, r); };
  if (auto* owned = std::get_if<OutgoingRecord>(&record)) {
    publisher.publish(std::move(*owned), std::move(report));
  } else {
    publisher.publish_view(std::get<RecordView>(record), std::move(report));
  }
}

net::awaitable<DeliveryResult> publish_and_wait(Publisher& publisher,
                                                std::variant<OutgoingRecord, RecordView> record,
                                                std::chrono::milliseconds timeout,
                                                std::shared_ptr<DeliveryInbox> inbox) {
  return async_publish(publisher, std::move(record), timeout, std::move(inbox), net::use_awaitable);
}

}  // namespace paynotify
