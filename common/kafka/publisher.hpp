#pragma once
// The seam between a component and Kafka's producer side (real adapter: KafkaProducer).

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/service/failure.hpp"

namespace paynotify {

using RecordHeaders = std::vector<std::pair<std::string, std::string>>;

struct OutgoingRecord {
  std::string topic;
  std::string key;
  std::string value;
  RecordHeaders headers;
};

// A record as views of what its sender holds (a request being answered): publish_view()
// copies what it keeps before it returns, so nothing needs an owned copy first.
using RecordHeaderView = std::pair<std::string_view, std::string_view>;
struct RecordView {
  std::string_view topic;
  std::string_view key;
  std::string_view value;
  std::span<const RecordHeaderView> headers;
};
OutgoingRecord owned_record(const RecordView& record);

// Where a record was written: acknowledged by all in-sync replicas, at this offset (a report
// without an offset proves nothing: delivery_proof.hpp).
struct RecordWritten {
  int32_t partition = -1;
  int64_t offset = -1;
};

// Why a record is not known to be written. Every one of them may still have been stored (a
// timeout, a lost answer): the caller treats it as not written and lets the record be sent
// again, never as "not there".
enum class DeliveryError {
  not_queued = 1,  // refused before it left: queue full, too large, the producer stopping
  not_written,     // librdkafka or the broker reported an error
  unconfirmed,     // reported delivered without an offset: librdkafka's implicit acknowledgement
  no_report,       // no delivery report within the caller's timeout
};
const boost::system::error_category& delivery_category();
boost::system::error_code make_error_code(DeliveryError e);

// detail: librdkafka's words, when it said any. describe() reads "not written: Broker: Not
// enough in-sync replicas".
using DeliveryFailure = Failure;

using DeliveryResult = boost::system::result<RecordWritten, DeliveryFailure>;

class DeliveryCallback;
// A function of a delivery report (a lambda), other than a DeliveryCallback itself.
template <typename F>
concept DeliveryFunction = !std::same_as<std::remove_cvref_t<F>, DeliveryCallback> &&
                           std::invocable<F, const DeliveryResult&>;

// One publish's delivery report: called exactly once, on whichever thread the publisher
// reports from (librdkafka's poll thread; the caller's own when a record cannot be queued), so
// hand the result back to the caller's executor rather than doing work here. An empty callback
// (default-constructed, moved from) takes the report and does nothing. Move-only and one pointer
// wide: the producer gives it to librdkafka as the record's opaque pointer (release(), adopt())
// instead of a copy of it on the heap, and a receiver already on the heap (a waiting publish,
// await_delivery.hpp) is the callback itself, with nothing allocated for it (#19).
class DeliveryCallback {
 public:
  // What a callback calls: deliver() at most once, then let_go() once, when the callback is
  // dropped (alone if it never was called: a publisher that stops and drops what it held).
  class Receiver {
   public:
    virtual void deliver(const DeliveryResult& result) = 0;
    virtual void let_go() noexcept = 0;

   protected:
    ~Receiver() = default;
  };

  DeliveryCallback() = default;
  // Any function of the result (a lambda): one allocation, which holds it.
  template <DeliveryFunction F>
  DeliveryCallback(F&& f)  // NOLINT(google-explicit-constructor): a lambda converts, as before
      : receiver_(new Held<std::decay_t<F>>(std::forward<F>(f))) {}
  explicit DeliveryCallback(Receiver* receiver) noexcept : receiver_(receiver) {}
  DeliveryCallback(DeliveryCallback&& other) noexcept
      : receiver_(std::exchange(other.receiver_, nullptr)) {}
  DeliveryCallback& operator=(DeliveryCallback&& other) noexcept {
    if (this != &other) {
      reset();
      receiver_ = std::exchange(other.receiver_, nullptr);
    }
    return *this;
  }
  DeliveryCallback(const DeliveryCallback&) = delete;
  DeliveryCallback& operator=(const DeliveryCallback&) = delete;
  ~DeliveryCallback() { reset(); }

  void operator()(const DeliveryResult& result) const {
    if (receiver_ != nullptr) receiver_->deliver(result);
  }
  explicit operator bool() const noexcept { return receiver_ != nullptr; }

  // For a C library's opaque pointer: release() hands the receiver over, adopt() takes back
  // what release() gave (null gives an empty callback).
  void* release() noexcept { return std::exchange(receiver_, nullptr); }
  static DeliveryCallback adopt(void* released) noexcept {
    return DeliveryCallback(static_cast<Receiver*>(released));
  }

 private:
  template <typename F>
  class Held final : public Receiver {
   public:
    template <typename G>
    explicit Held(G&& g) : f_(std::forward<G>(g)) {}
    void deliver(const DeliveryResult& result) override { f_(result); }
    void let_go() noexcept override { delete this; }

   private:
    F f_;
  };
  void reset() noexcept {
    if (auto* r = std::exchange(receiver_, nullptr)) r->let_go();
  }
  Receiver* receiver_ = nullptr;
};

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Never blocks. A record that cannot even be queued is reported through the callback too.
  virtual void publish(OutgoingRecord record, DeliveryCallback on_delivery) = 0;
  // The same for a record of views, which need only last until this returns. By default
  // through an OutgoingRecord; KafkaProducer hands the views to librdkafka, which copies them.
  virtual void publish_view(const RecordView& record, DeliveryCallback on_delivery);
};

// Publishes and waits for the delivery report, up to `timeout` (then no_report): for threads of
// their own that may block (the deadline watch, reconciliation), never for an event loop.
DeliveryResult publish_and_wait(Publisher& publisher, OutgoingRecord record,
                                std::chrono::milliseconds timeout);

}  // namespace paynotify

template <>
struct boost::system::is_error_code_enum<paynotify::DeliveryError> : std::true_type {};
