#pragma once
// The driver of record_flow's state machine: for each consumed record it takes in what the
// record is (record_intake), then runs the commands next() gives — claim and complete in Redis
// (LeaseStore: pipelined on this loop), park and release (DedupePool's threads), call the order
// service (OrderCalls: slots and the circuit breaker), publish to the retry or dead-letter
// topic (Publisher), wait (timers) — and feeds back what it saw, until Finish; then the offset
// may be stored. Nothing thrown escapes a command: it comes back as a Faulted observation.
// Runs on one io_context thread, the one that also serves the Kafka consumer.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "common/antom/key_registry.hpp"
#include "common/kafka/await_delivery.hpp"
#include "common/kafka/publisher.hpp"
#include "worker/circuit_breaker.hpp"
#include "worker/dedupe_pool.hpp"
#include "worker/engine_clock.hpp"
#include "worker/engine_record.hpp"
#include "worker/in_flight.hpp"
#include "worker/ledger_completion.hpp"
#include "worker/offset_tracker.hpp"
#include "worker/order_calls.hpp"
#include "worker/order_client.hpp"
#include "worker/payment_event.hpp"
#include "worker/payment_lanes.hpp"
#include "worker/payment_ledger.hpp"
#include "worker/record_consumer.hpp"
#include "worker/record_flow.hpp"
#include "worker/record_intake.hpp"
#include "worker/retry_age_watch.hpp"
#include "worker/start_window.hpp"
#include "worker/worker_metrics.hpp"

namespace paynotify::worker {

struct EngineSettings {
  std::string main_topic = "antom.notifications";
  std::string owner;  // lease owner token, unique per process
  int64_t lease_ms = 5000;
  int64_t dedupe_ttl_s = 7 * 86400;
  int64_t stale_after_ms = 6LL * 86400 * 1000;  // 0: off
  // Antom's keys to verify each record's signature with before anything reads it
  // (record_signature.hpp); null: records are trusted (--verify-records off).
  std::shared_ptr<const KeyRegistry> record_keys;
  RetryBudget retry;
  BreakerSettings breaker;
  std::size_t concurrency = 64;                // order-service calls at once
  std::size_t max_in_flight = 20000;           // records held before consumption pauses ...
  std::size_t max_in_flight_bytes = 16 << 20;  // ... or their Kafka bytes (value, key, headers)
  std::chrono::milliseconds publish_timeout{10000};
  bool ledger = true;                   // keep the payment ledger and raise anomalies
  int64_t ledger_ttl_s = 35LL * 86400;  // well past the 7-day capture deadline
  int64_t capture_warning_before_ms = 24LL * 3600 * 1000;
  int64_t reconcile_after_ms = 0;  // --reconcile-capture-after, with reconciliation on; else 0

  std::string retry_topic() const { return main_topic + ".retry"; }
  std::string topic_for(Divert::To to) const {
    return to == Divert::To::retry_topic ? retry_topic() : dead_letter_topic();
  }
  std::string dead_letter_topic() const { return main_topic + ".dlq"; }
  std::string anomalies_topic() const { return main_topic + ".anomalies"; }
};

class WorkerEngine {
 public:
  using StoreOffset =
      std::function<void(const std::string& topic, int32_t partition, int64_t next_offset)>;

  WorkerEngine(EngineSettings settings, boost::asio::io_context& ctx, LeaseStore& leases,
               DedupePool& dedupe, OrderClient& orders, Publisher& publisher,
               WorkerMetrics& metrics, StoreOffset store, EngineClock& clock = system_clock());
  ~WorkerEngine();

  void submit(ConsumedMessage message);                   // any thread
  void revoke(const std::vector<TopicPartition>& parts);  // any thread; blocks till done
  int64_t in_flight() const { return in_flight_.records(); }
  bool dedupe_reachable() const { return dedupe_ok_.load(); }
  // Whether the consumer is to stop taking records of `topic` now (in_flight.hpp says why per
  // topic); on the engine's loop.
  bool hold(const std::string& topic) { return in_flight_.hold(share_of(topic)); }
  // No delivery reports into the engine from here; the publishes still waiting end with
  // no_report (they may resume before the loop stops: the record is then given up, as draining).
  void close_gate() { deliveries_->close(); }
  // SIGTERM: records that only wait are given up (offsets not stored, redelivered later), new
  // ones are refused; calls and writes under way finish. in_flight() then falls to 0 quickly.
  void begin_drain();  // any thread
  // After the engine's thread stopped for good: coroutine frames destroyed with the
  // io_context later must not touch the engine's bookkeeping.
  void tear_down() {
    torn_down_ = true;
    calls_.tear_down();
    deliveries_->detach();  // its timer belongs to the io_context, destroyed next
  }

  // Seconds since the oldest event now waiting for a retry first failed (0: none waits).
  double oldest_retry_age_s() const;
  CircuitBreaker::State breaker_state() const { return calls_.breaker_state(); }

  using Record = EngineRecord;

 private:
  void accept(std::shared_ptr<Record> r);
  void start(std::shared_ptr<Record> r);
  void start_ready();
  void finish(const std::shared_ptr<Record>& r, const Finish& f);
  void leave(const Record& r);
  boost::asio::awaitable<void> drive(std::shared_ptr<Record> r);
  boost::asio::awaitable<Event> execute(std::shared_ptr<Record> r, const Command& command);
  // One per command: a command without one does not compile.
  boost::asio::awaitable<Event> run(std::shared_ptr<Record> r, Claim c);
  boost::asio::awaitable<Event> run(std::shared_ptr<Record> r, Apply);
  boost::asio::awaitable<Event> run(std::shared_ptr<Record> r, Complete c);
  boost::asio::awaitable<Event> run(std::shared_ptr<Record> r, Park);
  boost::asio::awaitable<Event> run(std::shared_ptr<Record> r, Release);
  boost::asio::awaitable<Event> run(std::shared_ptr<Record> r, Unpark);
  boost::asio::awaitable<Event> run(std::shared_ptr<Record> r, Divert d);
  boost::asio::awaitable<Event> run(std::shared_ptr<Record> r, WaitUntil w);
  boost::asio::awaitable<Event> run(std::shared_ptr<Record> r, Finish f);
  boost::asio::awaitable<Event> record(std::function<StoreResult<void>(StoreSeams&)> write);
  Observation observe(Event event);
  Share share_of(const std::string& topic) const {
    return topic == retry_topic_ ? Share::retry_topic : Share::main_topic;
  }
  static Share share_of(const Record& r) {  // told by the record when it was taken
    return r.from_retry_topic ? Share::retry_topic : Share::main_topic;
  }

  EngineSettings settings_;
  const std::string retry_topic_ = settings_.retry_topic();  // declared after settings_
  boost::asio::io_context& ctx_;
  LeaseStore& leases_;
  DedupePool& dedupe_;
  Publisher& publisher_;
  WorkerMetrics& metrics_;
  StoreOffset store_offset_;
  EngineClock& clock_;  // injectable so that engine tests run hours in no time
  // The loop's delivery reports (ctx_ is declared before it).
  std::shared_ptr<DeliveryInbox> deliveries_ = std::make_shared<DeliveryInbox>(ctx_.get_executor());
  std::mt19937_64 rng_{std::random_device{}()};

  // Engine-thread state.
  PaymentLanes<std::shared_ptr<Record>> lanes_;
  std::map<TopicPartition, OffsetTracker> trackers_;
  OrderCalls calls_;
  LedgerCompletion ledger_;
  StartWindow<std::shared_ptr<Record>> window_;
  bool starting_ = false;
  bool draining_ = false;
  bool torn_down_ = false;
  std::set<Alarm*> waits_;  // records waiting on a timer

  InFlight in_flight_;
  std::atomic<bool> dedupe_ok_{true};
  mutable RetryAgeWatch retry_ages_;  // read by the admin thread
};

}  // namespace paynotify::worker
