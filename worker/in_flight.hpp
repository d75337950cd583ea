#pragma once
// What the engine holds: records consumed and not yet finished, counted and weighed by their
// Kafka bytes, so that a run of large records cannot fill the memory before the count is
// reached.
//
// Two shares of the limits, each with its own pause. Records of the retry topic get a quarter,
// those of the main topic three quarters (each at least one record). A main-topic record may wait
// on one of the retry topic (a capture parked behind its authorization), never the other way round;
// with one shared limit, a worker full of parked captures would stop consuming the very
// authorizations they wait for, and wait for ever.
//
// A share that reaches its limit holds its topic until it has drained to three quarters, so
// that a full engine does not pause and resume the consumer with every record that finishes.
// Counted by the engine (records enter as they are submitted, from any thread) and held by the
// consumer on its loop; the counts are atomic, the gauges for /metrics.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "common/service/metrics.hpp"

namespace paynotify::worker {

enum class Share { main_topic, retry_topic };

class InFlight {
 public:
  InFlight(std::size_t max_records, std::size_t max_bytes, Gauge& records, Gauge& bytes)
      : shares_{Counts{Limits{three_quarters(max_records), three_quarters(max_bytes)}},
                Counts{Limits{quarter(max_records), quarter(max_bytes)}}},
        records_gauge_(records),
        bytes_gauge_(bytes) {}

  void enter(Share s, int64_t bytes) { add(s, 1, bytes); }
  void leave(Share s, int64_t records, int64_t bytes) { add(s, -records, -bytes); }

  // Whether the share's topic is to be paused now (see above).
  bool hold(Share s) {
    Counts& c = shares_[index(s)];
    const Limits& l = c.limits;
    const int64_t records = c.records.load(), bytes = c.bytes.load();
    if (records >= l.records || bytes >= l.bytes) {
      c.holding = true;
    } else if (records <= l.records * 3 / 4 && bytes <= l.bytes * 3 / 4) {
      c.holding = false;
    }
    return c.holding;
  }

  int64_t records() const { return total(&Counts::records); }
  int64_t bytes() const { return total(&Counts::bytes); }

 private:
  struct Limits {
    int64_t records, bytes;
  };
  struct Counts {
    explicit Counts(Limits l) : limits(l) {}
    Limits limits;
    std::atomic<int64_t> records{0}, bytes{0};
    bool holding = false;
  };

  static int64_t quarter(std::size_t n) {
    return std::max<int64_t>(1, static_cast<int64_t>(n / 4));
  }
  static int64_t three_quarters(std::size_t n) {
    return std::max<int64_t>(1, static_cast<int64_t>(n) - quarter(n));
  }
  static std::size_t index(Share s) { return s == Share::main_topic ? 0 : 1; }

  void add(Share s, int64_t records, int64_t bytes) {
    Counts& c = shares_[index(s)];
    c.records += records;
    c.bytes += bytes;
    records_gauge_.Increment(static_cast<double>(records));
    bytes_gauge_.Increment(static_cast<double>(bytes));
  }
  int64_t total(std::atomic<int64_t> Counts::*field) const {
    return (shares_[0].*field).load() + (shares_[1].*field).load();
  }

  Counts shares_[2];
  Gauge& records_gauge_;
  Gauge& bytes_gauge_;
};

}  // namespace paynotify::worker
