#pragma once
// What the engine holds: records consumed and not yet finished, counted and weighed by their
// Kafka bytes. Consumption pauses when either reaches its limit, so a run of large records
// cannot fill the memory before the count is reached. The gauges are the counters: any thread
// may read them.

#include <cstddef>
#include <cstdint>

#include "common/service/metrics.hpp"

namespace paynotify::worker {

class InFlight {
 public:
  InFlight(std::size_t max_records, std::size_t max_bytes, Gauge& records, Gauge& bytes)
      : max_records_(static_cast<int64_t>(max_records)),
        max_bytes_(static_cast<int64_t>(max_bytes)),
        records_(records),
        bytes_(bytes) {}

  void enter(int64_t bytes) {
    records_.add(1);
    bytes_.add(bytes);
  }
  void leave(int64_t records, int64_t bytes) {
    records_.add(-records);
    bytes_.add(-bytes);
  }
  bool full() const { return records_.value() >= max_records_ || bytes_.value() >= max_bytes_; }
  int64_t records() const { return records_.value(); }

 private:
  int64_t max_records_, max_bytes_;
  Gauge& records_;
  Gauge& bytes_;
};

}  // namespace paynotify::worker
