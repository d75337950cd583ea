#pragma once
// The worker's Prometheus series, created once at start-up.

#include <string>

#include "common/service/metrics.hpp"
#include "worker/apply_result.hpp"
#include "worker/record_flow.hpp"

namespace paynotify::worker {

struct WorkerMetrics {
  explicit WorkerMetrics(MetricsRegistry& r)
      : consumed(r.counter("paynotify_worker_consumed_total",
                           "Records consumed from the main and retry topics")),
        applied(r.counter("paynotify_worker_applied_total",
                          "Events the order service applied (2xx or 409)")),
        duplicates(r.counter("paynotify_worker_duplicates_skipped_total",
                             "Events skipped: applied before")),
        retried(
            r.counter("paynotify_worker_retried_total", "Order-service calls repeated in process")),
        ledgers_unreadable(r.counter(
            "paynotify_worker_ledgers_unreadable_total",
            "Completions that found a payment ledger this version cannot read (left as it is)")),
        to_retry_topic(
            r.counter("paynotify_worker_retry_topic_total", "Events handed to the retry topic")),
        dead_transient(r.counter("paynotify_worker_dead_lettered_total",
                                 "Events dead-lettered, by error class",
                                 {{"error_class", "transient"}})),
        dead_not_found(r.counter("paynotify_worker_dead_lettered_total",
                                 "Events dead-lettered, by error class",
                                 {{"error_class", "not_found"}})),
        dead_permanent(r.counter("paynotify_worker_dead_lettered_total",
                                 "Events dead-lettered, by error class",
                                 {{"error_class", "permanent"}})),
        dead_unsigned(r.counter("paynotify_worker_dead_lettered_total",
                                "Events dead-lettered, by error class",
                                {{"error_class", "unsigned_record"}})),
        dead_invalid(r.counter("paynotify_worker_dead_lettered_total",
                               "Events dead-lettered, by error class",
                               {{"error_class", "invalid_record"}})),
        dead_unsupported(r.counter("paynotify_worker_dead_lettered_total",
                                   "Events dead-lettered, by error class",
                                   {{"error_class", "unsupported_kind"}})),
        dead_stale(r.counter("paynotify_worker_dead_lettered_total",
                             "Events dead-lettered, by error class", {{"error_class", "stale"}})),
        breaker_refusals(r.counter("paynotify_worker_breaker_refusals_total",
                                   "Order-service calls held back by the open circuit breaker")),
        waits(r.counter("paynotify_worker_claim_waits_total",
                        "Claims that had to wait: busy elsewhere or parked behind a retry")),
        order_seconds(
            r.histogram("paynotify_worker_order_service_seconds", "Order-service call latency")),
        store_batch(r.histogram("paynotify_worker_redis_batch_size",
                                "Claims or completions sent to Redis in one round trip",
                                {1, 2, 4, 8, 16, 32, 64})),
        in_flight(
            r.gauge("paynotify_worker_in_flight_records", "Records consumed and not yet finished")),
        in_flight_bytes(r.gauge("paynotify_worker_in_flight_bytes",
                                "Kafka bytes (value, key, headers) of the records in flight")),
        parked(r.gauge("paynotify_worker_parked_records",
                       "Records waiting behind an earlier event of their payment")),
        calls_waiting(r.gauge("paynotify_worker_order_calls_waiting",
                              "Claimed events waiting for one of the --concurrency order-service "
                              "slots")),
        parking_rebuilds(r.counter(
            "paynotify_worker_parking_rebuilds_total",
            "Parking rebuilt from the retry topic after Redis lost its data (by this worker)")),
        parkings_restored(r.counter("paynotify_worker_parkings_restored_total",
                                    "Payments parked again by a rebuild")),
        parkings_kept(r.counter(
            "paynotify_worker_parkings_kept_total",
            "Payments a rebuild found parked already: a try failed since the loss and parked it")),
        stale_parkings_lifted(
            r.counter("paynotify_worker_rebuilt_parkings_lifted_total",
                      "Rebuilt parkings lifted: their retry record had finished before the loss")),
        unsupported_kinds_(r.counter_family(
            "paynotify_worker_unsupported_kind_total",
            "Notifications dead-lettered because this worker does not model their kind, by kind")),
        anomalies_(r.counter_family(
            "paynotify_worker_payment_anomalies_total",
            "Payment anomalies raised by the ledger (Antom's money rules), by kind")) {}

  void anomaly(const std::string& kind) { anomalies_.Add({{"kind", kind}}).Increment(); }

  // Kinds are Antom's names (A-Z, 0-9, _) or UNKNOWN: the ingest admits nothing else.
  void unsupported_kind(const std::string& kind) {
    unsupported_kinds_.Add({{"kind", kind}}).Increment();
  }

  Counter& dead_lettered(ErrorClass c) {
    switch (c) {
      case ErrorClass::not_found: return dead_not_found;
      case ErrorClass::permanent: return dead_permanent;
      case ErrorClass::unsigned_record: return dead_unsigned;
      case ErrorClass::invalid_record: return dead_invalid;
      case ErrorClass::unsupported_kind: return dead_unsupported;
      case ErrorClass::stale: return dead_stale;
      case ErrorClass::none:  // a dead-letter always has a class; counted as transient if not
      case ErrorClass::transient: return dead_transient;
    }
    return dead_transient;
  }

  // A record's end: by outcome, a dead-letter by its class and an unsupported kind by name.
  void finished(const Finish& f, const std::string& kind) {
    switch (f.outcome) {
      case Outcome::applied: applied.Increment(); break;
      case Outcome::duplicate: duplicates.Increment(); break;
      case Outcome::retry_later: to_retry_topic.Increment(); break;
      case Outcome::dead_lettered:
        dead_lettered(f.error_class).Increment();
        if (f.error_class == ErrorClass::unsupported_kind) unsupported_kind(kind);
        break;
      case Outcome::given_up: break;  // comes back after the restart: counted then
    }
  }

  Counter& consumed;
  Counter& applied;
  Counter& duplicates;
  Counter& retried;
  Counter& ledgers_unreadable;
  Counter& to_retry_topic;
  Counter& dead_transient;
  Counter& dead_not_found;
  Counter& dead_permanent;
  Counter& dead_unsigned;
  Counter& dead_invalid;
  Counter& dead_unsupported;
  Counter& dead_stale;
  Counter& breaker_refusals;
  Counter& waits;
  Histogram& order_seconds;
  Histogram& store_batch;
  Gauge& in_flight;
  Gauge& in_flight_bytes;
  Gauge& parked;
  Gauge& calls_waiting;
  Counter& parking_rebuilds;
  Counter& parkings_restored;
  Counter& parkings_kept;
  Counter& stale_parkings_lifted;

 private:
  prometheus::Family<Counter>& unsupported_kinds_;
  prometheus::Family<Counter>& anomalies_;
};

}  // namespace paynotify::worker
