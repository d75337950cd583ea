#pragma once
// The services' metrics, kept by prometheus-cpp's core library: families, labels, histograms
// and the text format (its HTTP server, civetweb, is not used: the admin server serves the
// text). Series are created at start-up and kept by reference, so the request path only
// updates them: a counter or gauge is a compare-and-swap loop on an atomic double, a histogram
// takes its own lock. A counter_family's series are looked up (a lock, an allocation) when they
// count: for rare things only (anomalies, unsupported kinds). Values computed when scraped
// (queue depths, consumer lag per partition) are functions.

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace paynotify {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;
using Labels = prometheus::Labels;  // name -> value; the text format escapes the values

// Latency buckets in seconds, from 100 µs to 10 s.
std::vector<double> latency_buckets();

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // A series of the family `name`, created with the family when it is the first; the same
  // name and labels give the same series.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       const std::vector<double>& bounds = latency_buckets(),
                       const Labels& labels = {});

  // A family whose series are added as they come (a label value known only then: a kind).
  prometheus::Family<Counter>& counter_family(const std::string& name, const std::string& help);

  // A gauge computed when scraped (queue depths).
  void gauge_fn(const std::string& name, const std::string& help, std::function<double()> fn,
                const Labels& labels = {});
  // Series computed when scraped whose labels vary (consumer lag per partition); type is
  // prometheus::MetricType::Counter or Gauge.
  using Samples = std::vector<std::pair<Labels, double>>;
  void family_fn(const std::string& name, const std::string& help, prometheus::MetricType type,
                 std::function<Samples()> fn);

  // Every series in the Prometheus text format, version 0.0.4.
  std::string render() const;

 private:
  class Computed;  // the functions above, collected when scraped
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<Computed> computed_;
  // counter_family's families, empty: written while they have no series yet.
  mutable std::mutex declared_mu_;
  std::vector<prometheus::MetricFamily> declared_;
};

}  // namespace paynotify
