#include "ingest/ingest_metrics.hpp"

#include <string>

namespace paynotify::ingest {

IngestMetrics::IngestMetrics(MetricsRegistry& r)
    : verify_seconds(
          r.histogram("paynotify_ingest_verify_seconds",
                      "Time to verify a notification's signature and validate its body")),
      produce_seconds(r.histogram("paynotify_ingest_produce_seconds",
                                  "Time from publishing a record to its delivery report")),
      in_flight(r.gauge("paynotify_ingest_in_flight_requests", "Requests being handled now")),
      open_connections(r.gauge("paynotify_ingest_open_connections", "Open client connections")),
      refused_connections(r.counter("paynotify_ingest_refused_connections_total",
                                    "Connections closed at once: the cap was reached and every "
                                    "connection was being answered")),
      evicted_connections(r.counter(
          "paynotify_ingest_evicted_connections_total",
          "Connections closed to make room at the cap: the one reading its request the slowest")),
      refused_per_source(r.counter(
          "paynotify_ingest_refused_per_source_connections_total",
          "Connections closed at once: their source address held --max-connections-per-source")),
      slow_bodies(
          r.counter("paynotify_ingest_slow_bodies_total",
                    "Connections closed because their body came slower than --min-body-rate")) {
  for (const Outcome o : kAllOutcomes) {
    requests_[static_cast<std::size_t>(o)] = &r.counter(
        "paynotify_ingest_requests_total", "Notification requests answered, by outcome and status",
        {{"outcome", std::string(outcome_name(o))}, {"status", std::to_string(status_of(o))}});
  }
}

}  // namespace paynotify::ingest
