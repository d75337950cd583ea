#pragma once
// The seam between a component and Kafka's producer side (real adapter: KafkaProducer).

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace paynotify {

using RecordHeaders = std::vector<std::pair<std::string, std::string>>;

struct OutgoingRecord {
  std::string topic;
  std::string key;
  std::string value;
  RecordHeaders headers;
};

struct DeliveryResult {
  bool durable = false;  // acknowledged by all in-sync replicas
  std::string error;     // why not, when not durable
  int32_t partition = -1;
  int64_t offset = -1;
};

// Called exactly once per publish, on the producer's own thread: hand the result back to the
// caller's executor rather than doing work here.
using DeliveryCallback = std::function<void(const DeliveryResult&)>;

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Never blocks. A record that cannot even be queued is reported through the callback too.
  virtual void publish(OutgoingRecord record, DeliveryCallback on_delivery) = 0;
};

}  // namespace paynotify
