#include "common/service/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace paynotify {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double v) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::llround(std::max(v, 0.0) * 1e6)),
                        std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& c = counters_.emplace_back();
  series_.push_back({name, help, "counter", labels, &c, nullptr, nullptr, {}, {}});
  return c;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& g = gauges_.emplace_back();
  series_.push_back({name, help, "gauge", labels, nullptr, &g, nullptr, {}, {}});
  return g;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      std::vector<double> bounds, const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& h = histograms_.emplace_back(std::move(bounds));
  series_.push_back({name, help, "histogram", labels, nullptr, nullptr, &h, {}, {}});
  return h;
}

void MetricsRegistry::gauge_fn(const std::string& name, const std::string& help,
                               std::function<double()> fn, const std::string& labels) {
  std::lock_guard lock(mu_);
  series_.push_back({name, help, "gauge", labels, nullptr, nullptr, nullptr, std::move(fn), {}});
}

void MetricsRegistry::family_fn(const std::string& name, const std::string& help,
                                const std::string& type, std::function<Samples()> fn) {
  std::lock_guard lock(mu_);
  series_.push_back({name, help, type, "", nullptr, nullptr, nullptr, {}, std::move(fn)});
}

namespace {
std::string with_labels(const std::string& name, const std::string& labels,
                        const std::string& extra = "") {
  std::string all = labels;
  if (!extra.empty()) all += (all.empty() ? "" : ",") + extra;
  return all.empty() ? name : name + "{" + all + "}";
}
std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  std::set<std::string> described;
  // Group every series of a name under one HELP/TYPE header, in first-registration order.
  std::vector<std::string> order;
  for (const auto& s : series_) {
    if (std::find(order.begin(), order.end(), s.name) == order.end()) order.push_back(s.name);
  }
  for (const auto& name : order) {
    for (const auto& s : series_) {
      if (s.name != name) continue;
      if (described.insert(name).second) {
        out << "# HELP " << name << " " << s.help << "\n# TYPE " << name << " " << s.type << "\n";
      }
      if (s.counter) {
        out << with_labels(name, s.labels) << " " << s.counter->value() << "\n";
      } else if (s.gauge) {
        out << with_labels(name, s.labels) << " " << s.gauge->value() << "\n";
      } else if (s.family) {
        for (const auto& [labels, value] : s.family())
          out << with_labels(name, labels) << " " << number(value) << "\n";
      } else if (s.fn) {
        out << with_labels(name, s.labels) << " " << number(s.fn()) << "\n";
      } else if (s.histogram) {
        const auto snap = s.histogram->snapshot();
        for (std::size_t i = 0; i < snap.bounds.size(); ++i) {
          out << with_labels(name + "_bucket", s.labels, "le=\"" + number(snap.bounds[i]) + "\"")
              << " " << snap.cumulative[i] << "\n";
        }
        out << with_labels(name + "_bucket", s.labels, "le=\"+Inf\"") << " " << snap.count << "\n";
        out << with_labels(name + "_sum", s.labels) << " " << number(snap.sum) << "\n";
        out << with_labels(name + "_count", s.labels) << " " << snap.count << "\n";
      }
    }
  }
  return out.str();
}

}  // namespace paynotify
