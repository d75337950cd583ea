#include "common/service/metrics.hpp"

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <mutex>

namespace paynotify {

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

// The series computed when scraped. prometheus-cpp's families hold values that are set; a
// value read from elsewhere at scrape time (a producer's queue, a consumer's lag) is a
// Collectable of its own, serialized beside the registry's families.
class MetricsRegistry::Computed : public prometheus::Collectable {
 public:
  void add(std::string name, std::string help, prometheus::MetricType type,
           std::function<Samples()> fn) {
    std::lock_guard lock(mu_);
    families_.push_back({std::move(name), std::move(help), type, std::move(fn)});
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard lock(mu_);
    std::vector<prometheus::MetricFamily> out;
    for (const auto& f : families_) {
      // Families of one name are one family in the text format: the series join it.
      auto family =
          std::find_if(out.begin(), out.end(), [&](const auto& m) { return m.name == f.name; });
      if (family == out.end()) family = out.insert(out.end(), {f.name, f.help, f.type, {}});
      for (const auto& [labels, value] : f.fn()) {
        prometheus::ClientMetric m;
        for (const auto& [label, text] : labels) m.label.push_back({label, text});
        if (f.type == prometheus::MetricType::Counter) {
          m.counter.value = value;
        } else {
          m.gauge.value = value;
        }
        family->metric.push_back(std::move(m));
      }
    }
    return out;
  }

 private:
  struct Family {
    std::string name, help;
    prometheus::MetricType type;
    std::function<Samples()> fn;
  };
  mutable std::mutex mu_;
  std::vector<Family> families_;
};

MetricsRegistry::MetricsRegistry()
    : registry_(std::make_shared<prometheus::Registry>()),
      computed_(std::make_shared<Computed>()) {}

MetricsRegistry::~MetricsRegistry() = default;

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(*registry_).Add(labels);
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const Labels& labels) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(*registry_).Add(labels);
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      const std::vector<double>& bounds, const Labels& labels) {
  return prometheus::BuildHistogram()
      .Name(name)
      .Help(help)
      .Register(*registry_)
      .Add(labels, bounds);
}

prometheus::Family<Counter>& MetricsRegistry::counter_family(const std::string& name,
                                                             const std::string& help) {
  // prometheus-cpp leaves a family out of the text until it has a series; declared here, it is
  // in /metrics from the start, as every other family is (a rule reading it is checked).
  {
    std::lock_guard lock(declared_mu_);
    declared_.push_back({name, help, prometheus::MetricType::Counter, {}});
  }
  return prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
}

void MetricsRegistry::gauge_fn(const std::string& name, const std::string& help,
                               std::function<double()> fn, const Labels& labels) {
  computed_->add(name, help, prometheus::MetricType::Gauge, [fn = std::move(fn), labels] {
    return Samples{{labels, fn()}};
  });
}

void MetricsRegistry::family_fn(const std::string& name, const std::string& help,
                                prometheus::MetricType type, std::function<Samples()> fn) {
  computed_->add(name, help, type, std::move(fn));
}

std::string MetricsRegistry::render() const {
  auto families = registry_->Collect();
  std::lock_guard lock(declared_mu_);
  for (const auto& declared : declared_) {
    const bool collected = std::any_of(families.begin(), families.end(),
                                       [&](const auto& f) { return f.name == declared.name; });
    if (!collected) families.push_back(declared);
  }
  auto computed = computed_->Collect();
  families.insert(families.end(), std::make_move_iterator(computed.begin()),
                  std::make_move_iterator(computed.end()));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace paynotify
