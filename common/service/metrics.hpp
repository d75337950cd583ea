#pragma once
// A small Prometheus text-format registry: counters, gauges and histograms whose hot-path
// updates are single relaxed atomic operations. Series are created at start-up and kept by
// reference, so rendering never races with creation on the request path.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace paynotify {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (the +Inf bucket)
  std::atomic<uint64_t> sum_micros_{0};               // sum in millionths, to stay atomic
};

// Latency buckets in seconds, from 100 µs to 10 s.
std::vector<double> latency_buckets();

class MetricsRegistry {
 public:
  // labels: the Prometheus label text without braces, e.g. `outcome="acked",status="200"`.
  Counter& counter(const std::string& name, const std::string& help,
                   const std::string& labels = "");
  Gauge& gauge(const std::string& name, const std::string& help, const std::string& labels = "");
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> bounds = latency_buckets(),
                       const std::string& labels = "");
  // A gauge computed when scraped (queue depths, lag).
  void gauge_fn(const std::string& name, const std::string& help, std::function<double()> fn,
                const std::string& labels = "");

  // Series computed when scraped whose labels vary (consumer lag per partition).
  using Samples = std::vector<std::pair<std::string, double>>;  // labels text, value
  void family_fn(const std::string& name, const std::string& help, const std::string& type,
                 std::function<Samples()> fn);

  std::string render() const;

 private:
  struct Series {
    std::string name, help, type, labels;
    Counter* counter = nullptr;
    Gauge* gauge = nullptr;
    Histogram* histogram = nullptr;
    std::function<double()> fn;
    std::function<Samples()> family;
  };
  mutable std::mutex mu_;
  std::vector<Series> series_;
  std::deque<Counter> counters_;  // deque: stable addresses as it grows
  std::deque<Gauge> gauges_;
  std::deque<Histogram> histograms_;
};

}  // namespace paynotify
