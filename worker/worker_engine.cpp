#include "worker/worker_engine.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <future>
#include <utility>

#include "common/service/log.hpp"
#include "worker/handover_record.hpp"
#include "worker/lease_renewal.hpp"
#include "worker/ledger_write.hpp"

namespace paynotify::worker {

namespace net = boost::asio;

WorkerEngine::WorkerEngine(EngineSettings settings, net::io_context& ctx, LeaseStore& leases,
                           DedupePool& dedupe, OrderClient& orders, Publisher& publisher,
                           WorkerMetrics& metrics, StoreOffset store, EngineClock& clock)
    : settings_(std::move(settings)),
      ctx_(ctx),
      leases_(leases),
      dedupe_(dedupe),
      publisher_(publisher),
      metrics_(metrics),
      store_offset_(std::move(store)),
      clock_(clock),
      calls_(orders, settings_.breaker, settings_.concurrency, metrics, clock_.reader()),
      ledger_({settings_.anomalies_topic(), settings_.dedupe_ttl_s,
               LedgerPolicy{settings_.ledger_ttl_s, settings_.capture_warning_before_ms,
                            settings_.reconcile_after_ms},
               settings_.publish_timeout},
              leases, dedupe, publisher, metrics, deliveries_, clock_.reader()),
      window_(4 * settings_.concurrency),
      in_flight_(settings_.max_in_flight, settings_.max_in_flight_bytes, metrics.in_flight,
                 metrics.in_flight_bytes),
      // An event in the retry topic comes by at least once per round (at most retry_max_ms plus
      // the partition's queue); one not seen for two rounds was taken over by another worker.
      retry_ages_(2 * settings_.retry.retry_max_ms + 60000) {
  net::co_spawn(
      ctx_,
      renew_leases(calls_, leases_, settings_.lease_ms, clock_, [this] { return torn_down_; }),
      net::detached);
}

WorkerEngine::~WorkerEngine() { deliveries_->close(); }

double WorkerEngine::oldest_retry_age_s() const {
  return retry_ages_.oldest_age_s(clock_.now_ms());
}

void WorkerEngine::submit(ConsumedMessage message) {
  // Verified before anything reads the record; on the loop that consumes it, as it arrives.
  auto r = std::make_shared<Record>(Record::taken(std::move(message), retry_topic_, settings_.owner,
                                                  settings_.record_keys.get()));
  in_flight_.enter(share_of(*r), r->bytes);
  if (ctx_.get_executor().running_in_this_thread()) return accept(std::move(r));
  net::post(ctx_, [this, r] { accept(r); });
}

void WorkerEngine::revoke(const std::vector<TopicPartition>& parts) {
  // Records of these partitions may still finish; without a tracker they store nothing.
  const auto forget = [this, parts] {
    for (const auto& tp : parts) trackers_.erase(tp);
  };
  if (ctx_.get_executor().running_in_this_thread()) return forget();  // the consumer's loop
  std::promise<void> done;
  net::post(ctx_, [&] {
    forget();
    done.set_value();
  });
  done.get_future().wait();
}

void WorkerEngine::begin_drain() {
  net::post(ctx_, [this] {
    draining_ = true;
    // Records not started, or queued behind another event of their payment, are given up at
    // once: their offsets are not stored, so they come back to whoever owns the partition next.
    const auto give_back = [this](const std::shared_ptr<Record>& r) {
      in_flight_.leave(share_of(*r), 1, r->bytes);
    };
    lanes_.clear(give_back);
    window_.clear(give_back);
    metrics_.parked.Set(0);
    // Records that only wait (a backoff, a busy or parked claim, the breaker) wake up and stop.
    for (auto* alarm : waits_) alarm->cancel();
  });
}

// The record leaves the engine, its offset stored or not: the next of its payment's lane starts.
void WorkerEngine::leave(const Record& r) {
  in_flight_.leave(share_of(r), 1, r.bytes);
  if (r.started) window_.stepped_out();
  if (!r.from_retry_topic && !draining_) {
    if (auto next = lanes_.finish(r.message.key)) window_.push(std::move(*next));
    metrics_.parked.Set(static_cast<double>(lanes_.waiting()));
  }
  start_ready();
}

void WorkerEngine::accept(std::shared_ptr<Record> r) {
  if (draining_) return leave(*r);
  metrics_.consumed.Increment();
  trackers_[{r->message.topic, r->message.partition}].begin(r->message.offset);
  // A retry-topic record is the parked head of its payment: later events of the payment wait
  // for it in the dedupe store (claim says "parked"), so it must not queue behind them here.
  if (r->from_retry_topic) {
    start(r);
    return;
  }
  if (auto runnable = lanes_.enqueue(r->message.key, r)) {
    start(*runnable);
  } else {
    metrics_.parked.Set(static_cast<double>(lanes_.waiting()));
  }
}

void WorkerEngine::start(std::shared_ptr<Record> r) {
  window_.push(std::move(r));
  start_ready();
}

void WorkerEngine::start_ready() {
  if (starting_) return;  // a drive that finished at once, inside the loop below
  starting_ = true;
  while (auto r = draining_ ? std::nullopt : window_.next()) {
    (*r)->started = true;
    net::co_spawn(ctx_, drive(std::move(*r)), net::detached);
  }
  starting_ = false;
}

void WorkerEngine::finish(const std::shared_ptr<Record>& r, const Finish& f) {
  if (f.outcome == Outcome::given_up) return leave(*r);  // its offset not stored
  metrics_.finished(f, r->intake.kind);
  if (f.outcome == Outcome::dead_lettered) {
    log_event(spdlog::level::warn, "dead_lettered",
              {{"eventId", r->key().event_id},
               {"errorClass", error_class_name(f.error_class)},
               {"error", f.error},
               {"topic", r->message.topic},
               {"offset", r->message.offset}});
  }
  if (f.outcome != Outcome::retry_later) retry_ages_.settled(r->key().event_id);
  const TopicPartition tp{r->message.topic, r->message.partition};
  if (auto it = trackers_.find(tp); it != trackers_.end()) {
    if (const auto next = it->second.finish(r->message.offset))
      store_offset_(tp.topic, tp.partition, *next);
  }
  leave(*r);
}

Observation WorkerEngine::observe(Event event) {
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  return Observation{std::move(event), clock_.now_ms(), jitter(rng_), draining_};
}

// The driver: one pure decision per step, one command run per step, until Finish.
net::awaitable<void> WorkerEngine::drive(std::shared_ptr<Record> r) {
  RecordState state = initial_state(RecordOrigin{});
  Observation seen = observe(Derived{});
  try {
    r->intake =
        take_in(r->message, r->from_retry_topic, r->unsigned_reason,
                IntakeSettings{settings_.stale_after_ms, settings_.ledger}, clock_.now_ms());
    state = initial_state(r->intake.origin);
    seen = observe(r->intake.derived);
  } catch (const std::exception& e) {
    seen = observe(Faulted{e.what()});
  }
  try {
    for (;;) {
      retry_ages_.failing(r->key().event_id, state.failing_since_ms, clock_.now_ms());
      const Command command = next(state, seen, settings_.retry);
      if (const auto* f = std::get_if<Finish>(&command)) {
        finish(r, *f);
        co_return;
      }
      Event event = Faulted{"not run"};
      try {
        // Named awaitables, not temporaries inside co_await: GCC 12 destroys those twice.
        auto step = execute(r, command);
        event = co_await std::move(step);
      } catch (const std::exception& e) {
        log_event(spdlog::level::err, "command_failed",
                  {{"command", command_name(command)},
                   {"eventId", r->key().event_id},
                   {"error", e.what()}});
        event = Faulted{e.what()};
      }
      seen = observe(std::move(event));
    }
  } catch (const std::exception& e) {
    // Only a bug gets here (commands report their faults as observations): keep the worker
    // going; the offset stays where it is, so the record is redelivered after a restart.
    log_event(spdlog::level::critical, "record_abandoned",
              {{"eventId", r->key().event_id},
               {"topic", r->message.topic},
               {"offset", r->message.offset},
               {"error", e.what()}});
  }
  leave(*r);
}

net::awaitable<Event> WorkerEngine::execute(std::shared_ptr<Record> r, const Command& command) {
  return std::visit([this, &r](const auto& c) { return run(r, c); }, command);
}

net::awaitable<Event> WorkerEngine::run(std::shared_ptr<Record> r, Claim c) {
  // Takes the event's lease, or renews it when this record holds it already.
  auto op = leases_.claim(ClaimRequest{r->key(), r->owner, settings_.lease_ms, c.with_ledger});
  StoreResult<LedgerClaim> claimed = co_await std::move(op);
  dedupe_ok_.store(claimed.has_value());
  if (!claimed) co_return Claimed{ClaimOutcome::unavailable};
  r->ledger_read = std::move(claimed->ledger);  // read in the claim's round trip
  if (claimed->outcome == ClaimOutcome::busy || claimed->outcome == ClaimOutcome::parked)
    metrics_.waits.Increment();
  co_return Claimed{claimed->outcome};
}

net::awaitable<Event> WorkerEngine::run(std::shared_ptr<Record> r, Complete c) {
  StoreResult<LedgerWrite> written = StoreError::unavailable;
  if (c.with_ledger) {
    const std::shared_ptr<const LedgerFacts> facts(r, &*r->intake.ledger_facts);
    auto op = ledger_.complete(r->key(), r->owner, facts, r->intake.received_at_ms,
                               std::exchange(r->ledger_read, std::nullopt));
    written = co_await std::move(op);
  } else {
    auto op =
        leases_.complete(CompleteRequest{r->key(), r->owner, settings_.dedupe_ttl_s, nullptr});
    written = co_await std::move(op);
  }
  if (!written) {
    dedupe_ok_.store(false);
    co_return Recorded{written.error()};
  }
  dedupe_ok_.store(true);
  if (*written == LedgerWrite::recorded) co_return Recorded{};
  // The ledger changed under every try: the flow completes again shortly.
  co_return Recorded{StoreError::contended};
}

net::awaitable<Event> WorkerEngine::run(std::shared_ptr<Record> r, Park) {
  return record([key = r->key(), ttl = settings_.dedupe_ttl_s](StoreSeams& s) {
    return s.parking->park(key, ttl);
  });
}

net::awaitable<Event> WorkerEngine::run(std::shared_ptr<Record> r, Release) {
  return record(
      [key = r->key(), owner = r->owner](StoreSeams& s) { return s.parking->release(key, owner); });
}

net::awaitable<Event> WorkerEngine::run(std::shared_ptr<Record> r, Unpark) {
  return record(
      [key = r->key(), owner = r->owner](StoreSeams& s) { return s.parking->unpark(key, owner); });
}

net::awaitable<Event> WorkerEngine::run(std::shared_ptr<Record>, WaitUntil w) {
  const auto alarm = clock_.alarm(ctx_.get_executor());
  waits_.insert(alarm.get());  // begin_drain() cancels it
  window_.stepped_out();       // start_window.hpp says why
  start_ready();
  const auto back_in = [this, &alarm] {
    waits_.erase(alarm.get());
    window_.stepped_in();
  };
  try {
    auto wait = alarm->ring_at(w.at_ms);
    co_await std::move(wait);
  } catch (...) {
    back_in();  // a wait that threw is a fault of the record: it is in the window again
    throw;
  }
  if (torn_down_) co_return TimerFired{};
  back_in();
  co_return TimerFired{};
}

// next() never hands Finish to execute: the driver ends the record on it.
net::awaitable<Event> WorkerEngine::run(std::shared_ptr<Record>, Finish) {
  co_return Faulted{"a finished record has nothing to run"};
}

net::awaitable<Event> WorkerEngine::record(std::function<StoreResult<void>(StoreSeams&)> write) {
  auto op = dedupe_.call(std::move(write));
  StoreResult<void> written = co_await std::move(op);
  dedupe_ok_.store(written.has_value());
  co_return Recorded{std::move(written)};
}

net::awaitable<Event> WorkerEngine::run(std::shared_ptr<Record> r, Apply) {
  return calls_.call(r->intake.call, r->key(), r->owner);
}

net::awaitable<Event> WorkerEngine::run(std::shared_ptr<Record> r, Divert d) {
  OutgoingRecord out = handover_record(r->message, d, settings_.topic_for(d.to));
  auto delivery =
      publish_and_wait(publisher_, std::move(out), settings_.publish_timeout, deliveries_);
  DeliveryResult result = co_await std::move(delivery);
  log_event(result ? spdlog::level::info : spdlog::level::warn,
            result ? "handed_over" : "hand_over_failed",
            {{"eventId", r->key().event_id},
             {"topic", settings_.topic_for(d.to)},
             {"attempt", d.attempt},
             {"error", result ? d.error : describe(result.error())}});
  co_return Published{std::move(result)};
}

}  // namespace paynotify::worker
