#pragma once
// The seam between a component and Kafka's producer side (real adapter: KafkaProducer).

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
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

// Called exactly once per publish, on the producer's own thread: hand the result back to the
// caller's executor rather than doing work here.
using DeliveryCallback = std::function<void(const DeliveryResult&)>;

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
