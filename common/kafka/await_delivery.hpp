#pragma once
// Publishing from a coroutine: publish, then suspend until the delivery report (handed to the
// coroutine's executor through its DeliveryInbox) or the timeout, whichever comes first.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <boost/intrusive_ptr.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "common/kafka/publisher.hpp"

namespace paynotify {

// The delivery reports for the coroutines of one single-threaded executor (one io_context per
// thread). Reports arrive on the producer's thread, several at once (a produce request carries
// many records): they queue here and one posted drain per batch hands them over, instead of a
// post each (an allocation, and often a wake-up of the executor's thread).
//
// A waiting coroutine is resumed by the drain itself, and its timeout kept by one timer for the
// whole inbox, armed at the earliest deadline: not a timer per publish, which cost a trip
// through the reactor's timer queue to arm, another to cancel, and a completion to run (#19).
class DeliveryInbox : public std::enable_shared_from_this<DeliveryInbox> {
 public:
  using Clock = std::chrono::steady_clock;
  using Completion = boost::asio::any_completion_handler<void(DeliveryResult)>;

  explicit DeliveryInbox(boost::asio::any_io_executor executor);
  ~DeliveryInbox();
  DeliveryInbox(const DeliveryInbox&) = delete;
  DeliveryInbox& operator=(const DeliveryInbox&) = delete;

  // While the executor's context is alive, from any thread; again does nothing. Reports that
  // come later are dropped, and every wait still open ends with no_report. Those completions
  // are posted, so the context owns them: it runs them (the coroutines resume, before the
  // context stops if it still runs), or destroys them with itself. A publish begun after this
  // is not made: it ends at once with not_queued.
  void close();
  // After the executor's threads stopped for good, before its context is destroyed: the
  // deadline timer belongs to the context and must go first (the inbox itself may live on in
  // a producer's callback). No deadline is kept after this.
  void detach();

  // One publish waiting: its deadline, and its completion until the report or the deadline
  // takes it. Held by the inbox's list while it waits and by the producer as the publish's
  // delivery callback (report_to()), which tells the inbox the report.
  struct Waiter final : boost::intrusive::list_base_hook<>, DeliveryCallback::Receiver {
    Waiter(Clock::time_point d, Completion c) : deadline(d), completion(std::move(c)) {}
    // The publish's callback: it holds this waiter and its inbox until the producer lets go.
    DeliveryCallback report_to(std::shared_ptr<DeliveryInbox> inbox);
    void deliver(const DeliveryResult& result) override;  // on the publisher's reporting thread
    void let_go() noexcept override;
    Clock::time_point deadline;
    // Only ever move-constructed, never assigned: Boost 1.81's move assignment of an
    // any_completion_handler wraps the handler in itself, forever (fixed in 1.82).
    Completion completion;
    Waiter& operator=(Waiter&&) = delete;
    std::shared_ptr<DeliveryInbox> reporting_to;  // the producer's side, while it holds this
    std::atomic<int> refs{0};
    friend void intrusive_ptr_add_ref(Waiter* w) {
      w->refs.fetch_add(1, std::memory_order_relaxed);
    }
    friend void intrusive_ptr_release(Waiter* w) {
      if (w->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete w;
    }
  };
  using WaiterRef = boost::intrusive_ptr<Waiter>;

  // On the executor: `completion` is called there, from the drain with the report or from the
  // timer with no_report at `deadline`. Closed: it is posted not_queued, and the result is null.
  WaiterRef wait(Completion completion, Clock::time_point deadline);
  // On the thread the publisher reports from (librdkafka's poll thread, or this executor's).
  void deliver(const WaiterRef& waiter, const DeliveryResult& result);

  // Posted drains so far: reports arriving together share one.
  uint64_t drains() const { return drains_.load(); }
  // Times the deadline timer was armed: once per run of waits, not once per wait.
  uint64_t timer_arms() const { return timer_arms_; }

 private:
  using Waiting = boost::intrusive::list<Waiter, boost::intrusive::constant_time_size<false>>;
  using Report = std::pair<WaiterRef, DeliveryResult>;
  using Ready = std::pair<Completion, DeliveryResult>;
  void drain();                          // on the executor
  void arm(Clock::time_point deadline);  // on the executor
  void expire();                         // on the executor, when the timer fires
  void disarm();                         // on the executor, when nothing waits
  void post_failure(Completion completion, DeliveryError why, const char* detail);
  Completion unlink(Waiter& waiter);  // under mu_

  boost::asio::any_io_executor executor_;
  std::mutex mu_;
  bool open_ = true;
  bool drain_posted_ = false;
  Waiting waiting_;                   // under mu_; by deadline, earliest first
  std::vector<Report> arrived_;       // under mu_
  std::vector<Report> handing_over_;  // the executor's own: reused, a drain allocates nothing
  std::vector<Ready> ready_;          // the executor's own, as handing_over_
  std::atomic<uint64_t> drains_{0};
  std::optional<boost::asio::steady_timer> timer_;  // the executor's own, as is what follows
  bool armed_ = false;
  Clock::time_point armed_for_{};
  uint64_t timer_arms_ = 0;
};

// async_publish's initiation, on the inbox's executor. Throws nothing once it waits: a publish
// that throws is reported not_queued.
void publish_waiting(Publisher& publisher, std::variant<OutgoingRecord, RecordView> record,
                     std::chrono::milliseconds timeout, std::shared_ptr<DeliveryInbox> inbox,
                     DeliveryInbox::Completion completion);

// Publishes `record` and completes with its delivery report, or no_report after `timeout`.
// Initiated and completed on the inbox's executor, whatever the token's associated executor: a
// token bound elsewhere (a strand, another context) is not honoured. A record of views goes
// through Publisher::publish_view; with a lazy token (use_awaitable) it starts when awaited,
// not when called, so what the views show must last until the co_await. Any coroutine
// executor type: the ingest's are io_context::executor_type.
template <typename CompletionToken>
auto async_publish(Publisher& publisher, std::variant<OutgoingRecord, RecordView> record,
                   std::chrono::milliseconds timeout, std::shared_ptr<DeliveryInbox> inbox,
                   CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(DeliveryResult)>(
      [](auto completion, Publisher* p, std::variant<OutgoingRecord, RecordView> r,
         std::chrono::milliseconds t, std::shared_ptr<DeliveryInbox> i) {
        publish_waiting(*p, std::move(r), t, std::move(i),
                        DeliveryInbox::Completion(std::move(completion)));
      },
      token, &publisher, std::move(record), timeout, std::move(inbox));
}

// async_publish for coroutines on an any_io_executor.
boost::asio::awaitable<DeliveryResult> publish_and_wait(
    Publisher& publisher, std::variant<OutgoingRecord, RecordView> record,
    std::chrono::milliseconds timeout, std::shared_ptr<DeliveryInbox> inbox);

}  // namespace paynotify
