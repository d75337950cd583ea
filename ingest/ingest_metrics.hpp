#pragma once
// The ingest's Prometheus series, created once at start-up.

#include <array>

#include "common/service/metrics.hpp"
#include "ingest/notification_intake.hpp"

namespace paynotify::ingest {

struct IngestMetrics {
  explicit IngestMetrics(MetricsRegistry& registry);

  Counter& requests(Outcome o) { return *requests_[static_cast<std::size_t>(o)]; }

  std::array<Counter*, std::size(kAllOutcomes)> requests_{};
  Histogram& verify_seconds;
  Histogram& produce_seconds;
  Gauge& in_flight;
  Gauge& open_connections;
  Counter& refused_connections;
  Counter& evicted_connections;
  Counter& refused_per_source;
  Counter& slow_bodies;
};

}  // namespace paynotify::ingest
