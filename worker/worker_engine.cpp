#include "worker/worker_engine.hpp"

#include "worker/ledger_write.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <future>
#include <utility>

#include "common/kafka/record_headers.hpp"
#include "common/service/ids.hpp"
#include "common/service/log.hpp"
#include "worker/record_signature.hpp"

namespace paynotify::worker {

namespace net = boost::asio;

struct WorkerEngine::Record {
  ConsumedMessage message;
  std::string owner;  // the lease owner: this process and this record, so two copies of one
                      // event (a re-published retry, a partition given back) never share a lease
  bool from_retry_topic = false;  // the record key is the payment's lane otherwise
  std::string kind;               // the notification's kind, for the per-kind metric
  EventKey key;
  OrderCall call;
  std::optional<LedgerFacts> ledger_facts;  // the ledger follows this event
  std::optional<StoredLedger> ledger_read;  // read with the claim, for the completion
  int64_t received_at_ms = 0;
  std::optional<std::string> unsigned_reason;  // set when the record's signature does not verify
  std::chrono::steady_clock::time_point call_started;  // while it is in calling_
  std::size_t calling_index = 0;
};

namespace {

// The kind counted for a record whose signature does not verify: its body is not read.
constexpr std::string_view kUnsignedKind = "UNSIGNED";

int64_t header_int(const ConsumedMessage& m, std::string_view name, int64_t fallback) {
  const std::string v = m.header(name);
  try {
    return v.empty() ? fallback : std::stoll(v);
  } catch (const std::exception&) {
    return fallback;
  }
}

RecordOrigin origin_of(const ConsumedMessage& m, bool from_retry_topic) {
  RecordOrigin o;
  if (!from_retry_topic) return o;
  o.source = Source::retry_topic;
  o.attempt = static_cast<int>(std::clamp<int64_t>(header_int(m, header::kAttempt, 2), 1, 1000000));
  o.not_before_ms = header_int(m, header::kNotBefore, 0);
  o.failing_since_ms = header_int(m, header::kFailingSince, 0);
  return o;
}

}  // namespace

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

WorkerEngine::WorkerEngine(EngineSettings settings, net::io_context& ctx, DedupePool& dedupe,
                           OrderClient& orders, Publisher& publisher, WorkerMetrics& metrics,
                           StoreOffset store, Clock clock)
    : settings_(std::move(settings)),
      ctx_(ctx),
      dedupe_(dedupe),
      orders_(orders),
      publisher_(publisher),
      metrics_(metrics),
      store_offset_(std::move(store)),
      clock_(std::move(clock)),
      slots_(settings_.concurrency),
      breaker_(settings_.breaker) {
  net::co_spawn(ctx_, renew_leases(), net::detached);
}

WorkerEngine::~WorkerEngine() { gate_->close(); }

bool WorkerEngine::wants_pause() const {
  return !dedupe_ok_.load() ||
         static_cast<std::size_t>(in_flight_.load()) >= settings_.max_in_flight;
}

double WorkerEngine::oldest_retry_age_s() const {
  const int64_t now = clock_();
  // An event in the retry topic comes by at least once per round (at most retry_max_ms plus
  // the partition's queue); one not seen for two rounds was taken over by another worker.
  const int64_t forget_after = 2 * settings_.retry.retry_max_ms + 60000;
  std::lock_guard lock(waiting_mu_);
  std::erase_if(waiting_since_,
                [&](const auto& e) { return now - e.second.last_seen_ms > forget_after; });
  int64_t oldest = now;
  for (const auto& [id, watch] : waiting_since_) oldest = std::min(oldest, watch.failing_since_ms);
  return static_cast<double>(now - oldest) / 1000.0;
}

void WorkerEngine::submit(ConsumedMessage message) {
  in_flight_.fetch_add(1);
  auto r = std::make_shared<Record>();
  r->from_retry_topic = message.topic == settings_.retry_topic();
  r->owner = settings_.owner + "/" + message.topic + "/" + std::to_string(message.partition) + "/" +
             std::to_string(message.offset);
  r->message = std::move(message);
  // Verified here, on the consumer's thread, not on the engine's: there one RSA verify per
  // record held up everything else the engine does (measured with the pipeline benchmark:
  // Redis batches fell from 7.2 to 2.5 claims per round trip, worker CPU per event rose 58%).
  if (settings_.record_keys)
    r->unsigned_reason = unsigned_record(r->message, *settings_.record_keys);
  net::post(ctx_, [this, r] { accept(r); });
}

void WorkerEngine::revoke(const std::vector<TopicPartition>& parts) {
  std::promise<void> done;
  net::post(ctx_, [&] {
    // Records of these partitions may still finish; without a tracker they store nothing.
    for (const auto& tp : parts) trackers_.erase(tp);
    done.set_value();
  });
  done.get_future().wait();
}

void WorkerEngine::begin_drain() {
  net::post(ctx_, [this] {
    draining_ = true;
    // Records queued behind another event of their payment are given up at once: their
    // offsets are not stored, so they come back to whoever owns the partition next.
    const std::size_t dropped = lanes_.clear();
    in_flight_.fetch_sub(static_cast<int64_t>(dropped));
    metrics_.in_flight.set(in_flight_.load());
    // Records that only wait (a backoff, a busy or parked claim, the breaker) wake up and stop.
    for (auto* timer : waits_) timer->cancel();
  });
}

void WorkerEngine::abandon(const std::shared_ptr<Record>& r) {
  in_flight_.fetch_sub(1);
  metrics_.in_flight.set(in_flight_.load());
  if (!r->from_retry_topic && !draining_) {
    if (auto next = lanes_.finish(r->message.key)) start(std::move(*next));
  }
}

void WorkerEngine::accept(std::shared_ptr<Record> r) {
  if (draining_) {
    abandon(r);
    return;
  }
  metrics_.consumed.inc();
  metrics_.in_flight.set(in_flight_.load());
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
    metrics_.parked.set(static_cast<int64_t>(lanes_.waiting()));
  }
}

void WorkerEngine::start(std::shared_ptr<Record> r) {
  net::co_spawn(ctx_, drive(std::move(r)), net::detached);
}

void WorkerEngine::finish(const std::shared_ptr<Record>& r, const Finish& f) {
  switch (f.outcome) {
    case Outcome::applied: metrics_.applied.inc(); break;
    case Outcome::duplicate: metrics_.duplicates.inc(); break;
    case Outcome::retry_later: metrics_.to_retry_topic.inc(); break;
    case Outcome::dead_lettered:
      metrics_.dead_lettered(f.error_class).inc();
      if (f.error_class == ErrorClass::unsupported_kind) metrics_.unsupported_kind(r->kind);
      break;
  }
  if (f.outcome != Outcome::retry_later && !r->key.event_id.empty()) {
    std::lock_guard lock(waiting_mu_);
    waiting_since_.erase(r->key.event_id);
  }
  const TopicPartition tp{r->message.topic, r->message.partition};
  if (auto it = trackers_.find(tp); it != trackers_.end()) {
    if (const auto next = it->second.finish(r->message.offset))
      store_offset_(tp.topic, tp.partition, *next);
  }
  in_flight_.fetch_sub(1);
  metrics_.in_flight.set(in_flight_.load());
  if (!r->from_retry_topic && !draining_) {
    if (auto next = lanes_.finish(r->message.key)) start(std::move(*next));
    metrics_.parked.set(static_cast<int64_t>(lanes_.waiting()));
  }
}

void WorkerEngine::note_retry_wait(const std::shared_ptr<Record>& r, int64_t failing_since_ms) {
  if (failing_since_ms <= 0 || r->key.event_id.empty()) return;
  std::lock_guard lock(waiting_mu_);
  waiting_since_[r->key.event_id] = RetryWatch{failing_since_ms, clock_()};
}

Observation WorkerEngine::observe(Event event) {
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  return Observation{std::move(event), clock_(), jitter(rng_)};
}

// Takes the event's lease, or renews it when this record holds it already; with the payment's
// ledger (read_ledger) when the claim is the one before the record's completion.
auto WorkerEngine::claim_lease(const Record& r, bool read_ledger) {
  return dedupe_.claim(ClaimRequest{r.key, r.owner, settings_.lease_ms, read_ledger});
}

// The driver: one pure decision per step, one command run per step, until Finish.
net::awaitable<void> WorkerEngine::drive(std::shared_ptr<Record> r) {
  RecordState state = initial_state(origin_of(r->message, r->from_retry_topic));
  Observation seen = observe(Derived{});
  try {
    const int64_t received_at = header_int(r->message, header::kReceivedAt, 0);
    const auto& refused = r->unsigned_reason;
    EventDerivation derived =
        refused ? EventDerivation{} : derive_event(r->message.value, received_at);
    r->kind = refused ? std::string(kUnsignedKind) : std::move(derived.kind);
    // A record without the ingest's receipt time is judged by the time it is read: never
    // earlier than its receipt, so a replay cannot hide its age by dropping the header.
    const auto stale =
        stale_replay(r->message.header(header::kRequestTime),
                     received_at > 0 ? received_at : clock_(), settings_.stale_after_ms);
    if (derived.event)
      r->key = EventKey{std::move(derived.event->order_key), derived.event->event_id};
    if (refused) {
      seen = observe(Derived{false, ErrorClass::unsigned_record, *refused});
    } else if (derived.event && stale) {
      seen = observe(Derived{false, ErrorClass::stale, *stale});
    } else if (derived.event) {
      std::string traceparent = r->message.header(header::kTraceparent);
      if (!is_valid_traceparent(traceparent)) traceparent = new_traceparent();
      r->call = OrderCall{derived.event->event_id, traceparent,
                          boost::json::serialize(derived.event->order_request)};
      if (settings_.ledger && changes_ledger(derived.event->ledger) &&
          !derived.event->payment_id.empty() && derived.event->payment_id == r->key.order_key) {
        r->ledger_facts = std::move(derived.event->ledger);
        r->received_at_ms = received_at;
      }
      seen = observe(Derived{true, ErrorClass::none, {}});
    } else {
      const ErrorClass why = derived.why_not == NoEvent::unsupported_kind
                                 ? ErrorClass::unsupported_kind
                                 : ErrorClass::invalid_record;
      seen = observe(Derived{false, why, derived.error});
    }
  } catch (const std::exception& e) {
    seen = observe(Faulted{e.what()});
  }
  note_retry_wait(r, state.failing_since_ms);
  try {
    for (;;) {
      const Command command = next(state, seen, settings_.retry);
      if (const auto* f = std::get_if<Finish>(&command)) {
        if (f->outcome == Outcome::dead_lettered) {
          log_event(spdlog::level::warn, "dead_lettered",
                    {{"eventId", r->key.event_id},
                     {"errorClass", error_class_name(f->error_class)},
                     {"error", state.pending_divert.error},
                     {"topic", r->message.topic},
                     {"offset", r->message.offset}});
        }
        finish(r, *f);
        co_return;
      }
      // Draining: a record that would now wait, claim or call is given up, its offset not
      // stored; writes under way (record, hand over, dead-letter) are completed first.
      if (draining_ &&
          (std::holds_alternative<WaitUntil>(command) || std::holds_alternative<Claim>(command) ||
           std::holds_alternative<Apply>(command))) {
        break;
      }
      Event event = Faulted{"not run"};
      try {
        // Named awaitables, not temporaries inside co_await: GCC 12 destroys those twice.
        auto step = execute(r, command);
        event = co_await std::move(step);
      } catch (const std::exception& e) {
        log_event(spdlog::level::err, "command_failed",
                  {{"command", command_name(command)},
                   {"eventId", r->key.event_id},
                   {"error", e.what()}});
        event = Faulted{e.what()};
      }
      seen = observe(std::move(event));
      note_retry_wait(r, state.failing_since_ms);
    }
  } catch (const std::exception& e) {
    // Only a bug gets here (commands report their faults as observations): keep the worker
    // going; the offset stays where it is, so the record is redelivered after a restart.
    log_event(spdlog::level::critical, "record_abandoned",
              {{"eventId", r->key.event_id},
               {"topic", r->message.topic},
               {"offset", r->message.offset},
               {"error", e.what()}});
  }
  abandon(r);
}

net::awaitable<Event> WorkerEngine::execute(std::shared_ptr<Record> r, const Command& command) {
  const EventKey key = r->key;
  const std::string owner = r->owner;
  if (std::holds_alternative<Claim>(command)) {
    auto op = claim_lease(*r, r->ledger_facts.has_value());
    LedgerClaim claimed = co_await std::move(op);
    r->ledger_read = std::move(claimed.ledger);  // read in the claim's round trip
    dedupe_ok_.store(claimed.outcome != ClaimOutcome::unavailable);
    if (claimed.outcome == ClaimOutcome::busy || claimed.outcome == ClaimOutcome::parked)
      metrics_.waits.inc();
    co_return Claimed{claimed.outcome};
  }
  if (std::holds_alternative<Apply>(command)) {
    auto op = apply(r);
    co_return co_await std::move(op);
  }
  if (std::holds_alternative<Complete>(command) && r->ledger_facts) {
    auto op = complete_with_ledger(r);
    co_return co_await std::move(op);
  }
  if (std::holds_alternative<Complete>(command)) {
    auto op = dedupe_.complete(CompleteRequest{key, owner, settings_.dedupe_ttl_s, nullptr});
    const bool ok = co_await std::move(op) == LedgerWrite::recorded;
    dedupe_ok_.store(ok);
    co_return Recorded{ok};
  }
  if (std::holds_alternative<Park>(command)) {
    const int64_t ttl = settings_.dedupe_ttl_s;
    auto op = record([key, ttl](DedupeStore& s) { return s.park(key, ttl); });
    co_return co_await std::move(op);
  }
  if (std::holds_alternative<Release>(command) || std::holds_alternative<Unpark>(command)) {
    const bool unpark = std::holds_alternative<Unpark>(command);
    auto op =
        record([key, owner, unpark](DedupeStore& s) { return s.release(key, owner, unpark); });
    co_return co_await std::move(op);
  }
  if (const auto* d = std::get_if<Divert>(&command)) {
    auto op = divert(r, *d);
    co_return co_await std::move(op);
  }
  if (const auto* w = std::get_if<WaitUntil>(&command)) {
    if (draining_) co_return TimerFired{};
    net::steady_timer timer(ctx_,
                            std::chrono::milliseconds(std::max<int64_t>(0, w->at_ms - clock_())));
    waits_.insert(&timer);  // begin_drain() cancels it
    auto wait = timer.async_wait(net::as_tuple(net::use_awaitable));
    co_await std::move(wait);
    if (!torn_down_) waits_.erase(&timer);
    co_return TimerFired{};
  }
  co_return Faulted{"no command to run"};
}

net::awaitable<Event> WorkerEngine::record(std::function<bool(DedupeStore&)> write) {
  auto op = dedupe_.call(std::move(write));
  const bool ok = co_await std::move(op);
  dedupe_ok_.store(ok);
  co_return Recorded{ok};
}

// Complete with the ledger: read it (the claim's read, once), apply the event (pure), write
// both in one compare-and-set step, and publish the anomalies that step raised. A ledger
// changed meanwhile (another event of the payment completed on another worker) is read again.
// Anomalies go through an outbox in Redis, written with the ledger: one whose publication
// fails (or a worker that dies before it) is published with the payment's next completion,
// under the same id.
net::awaitable<Event> WorkerEngine::complete_with_ledger(std::shared_ptr<Record> r) {
  const std::string payment = r->key.order_key;
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::optional<StoredLedger> stored =
        std::exchange(r->ledger_read, std::nullopt);  // the claim's, once
    if (!stored) {
      auto read_op = dedupe_.call([payment](DedupeStore& s) { return s.read_ledger(payment); });
      stored = co_await std::move(read_op);
    }
    if (!stored) co_return Recorded{false};
    if (!stored->outbox.empty()) {
      auto left = publish_anomalies(payment, stored->outbox);
      co_await std::move(left);
    }
    LedgerStep step = apply_event(ledger_from_text(stored->text).value_or(PaymentLedger{}),
                                  *r->ledger_facts, r->received_at_ms);
    LedgerUpdate update = ledger_update(stored->text, step, settings_.ledger_ttl_s,
                                        settings_.capture_warning_before_ms);
    if (!update.anomalies.empty()) {
      // The deadline watch looks in a minute too: if the publication below fails, it sweeps the
      // outbox.
      const int64_t sweep = clock_() + 60000;
      update.deadline_ms = std::min(update.deadline_ms.value_or(sweep), sweep);
    }
    // Shared with the store's thread, not copied: it holds the ledger twice (as read, as written).
    const auto shared = std::make_shared<const LedgerUpdate>(std::move(update));
    auto write_op =
        dedupe_.complete(CompleteRequest{r->key, r->owner, settings_.dedupe_ttl_s, shared});
    const LedgerWrite written = co_await std::move(write_op);
    if (written == LedgerWrite::changed_meanwhile) continue;
    dedupe_ok_.store(written == LedgerWrite::recorded);
    if (written != LedgerWrite::recorded) co_return Recorded{false};
    report_anomalies(metrics_, step.anomalies);
    if (!shared->anomalies.empty()) {
      auto publish = publish_anomalies(payment, shared->anomalies);
      co_await std::move(publish);
    }
    co_return Recorded{true};
  }
  co_return Recorded{false};  // contended five times in a row: the flow tries again shortly
}

net::awaitable<void> WorkerEngine::publish_anomalies(std::string payment_id,
                                                     AnomalyOutbox anomalies) {
  for (auto& [id, text] : anomalies) {
    auto delivery = publish_and_wait(
        publisher_, OutgoingRecord{settings_.anomalies_topic(), payment_id, text, {}},
        settings_.publish_timeout, gate_);
    const DeliveryResult result = co_await std::move(delivery);
    if (!result.durable) {
      log_event(spdlog::level::warn, "anomaly_publish_failed",
                {{"anomalyId", id}, {"error", result.error}});
      continue;  // it stays in the outbox
    }
    auto clear = dedupe_.call(
        [payment_id, anomaly = id](DedupeStore& s) { return s.clear_outbox(payment_id, anomaly); });
    co_await std::move(clear);
  }
}

// One renewer for all calls, started with the engine: every third of the lease it renews the
// leases of the calls that have run that long, so a short lease (a crashed worker's events are
// taken over quickly) never runs out under a slow call, and a fast call costs nothing extra.
net::awaitable<void> WorkerEngine::renew_leases() {
  net::steady_timer timer(ctx_);
  while (!torn_down_) {
    timer.expires_after(std::chrono::milliseconds(settings_.lease_ms / 3));
    auto tick = timer.async_wait(net::as_tuple(net::use_awaitable));
    co_await std::move(tick);
    const auto due =
        std::chrono::steady_clock::now() - std::chrono::milliseconds(settings_.lease_ms / 3);
    std::vector<std::shared_ptr<Record>> renew;
    for (const auto& record : calling_) {
      if (record->call_started <= due) renew.push_back(record);
    }
    for (const auto& r : renew) {
      try {
        auto op = claim_lease(*r, false);  // a renewal: the ledger read at the claim stands
        co_await std::move(op);
      } catch (const std::exception& e) {
        // A renewal that failed is tried again on the next tick; the call's record decides
        // on its own outcome.
        log_event(spdlog::level::warn, "lease_renewal_failed",
                  {{"eventId", r->key.event_id}, {"error", e.what()}});
      }
    }
  }
}

net::awaitable<Event> WorkerEngine::apply(std::shared_ptr<Record> r) {
  // The slot first, then the breaker: a record that queued for a slot while the service was
  // still up asks again when its turn comes, so an opened breaker holds back the queue too.
  auto slot = slots_.acquire();
  co_await std::move(slot);
  if (const auto retry_at = breaker_.admit(clock_())) {
    slots_.release();
    metrics_.breaker_refusals.inc();
    breaker_state_.store(breaker_.state());
    co_return BreakerRefused{*retry_at};
  }
  // The slot and the breaker's accounting are given back however the call ends; frames
  // destroyed at shutdown (torn_down_) leave the engine alone.
  struct CallAccounting {
    WorkerEngine& engine;
    bool service_failed = true;
    ~CallAccounting() {
      if (engine.torn_down_) return;
      engine.slots_.release();
      engine.breaker_.on_result(service_failed, engine.clock_());
      engine.breaker_state_.store(engine.breaker_.state());
    }
  } accounting{*this};
  r->call_started = std::chrono::steady_clock::now();
  r->calling_index = calling_.size();
  calling_.push_back(r);
  struct LeaveCalling {
    WorkerEngine& engine;
    std::shared_ptr<Record> record;
    ~LeaveCalling() {
      if (engine.torn_down_) return;
      auto& calling = engine.calling_;  // swap-remove: no allocation per call
      calling[record->calling_index] = std::move(calling.back());
      calling[record->calling_index]->calling_index = record->calling_index;
      calling.pop_back();
    }
  } leave_calling{*this, r};
  const auto started = std::chrono::steady_clock::now();
  auto call = orders_.apply(r->call);
  ApplyResult result = co_await std::move(call);
  metrics_.order_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  const ErrorClass error_class = classify(result);
  accounting.service_failed = error_class == ErrorClass::transient;
  if (error_class == ErrorClass::transient || error_class == ErrorClass::not_found)
    metrics_.retried.inc();
  co_return Applied{std::move(result)};
}

net::awaitable<Event> WorkerEngine::divert(std::shared_ptr<Record> r, Divert d) {
  const ConsumedMessage& m = r->message;
  OutgoingRecord out;
  out.topic =
      d.to == Divert::To::retry_topic ? settings_.retry_topic() : settings_.dead_letter_topic();
  out.key = m.key;
  out.value = m.value;
  bool has_origin = false;
  for (const auto& [name, value] : m.headers) {
    if (header::is_retry_control(name)) continue;
    if (header::is_origin(name)) has_origin = true;
    out.headers.emplace_back(name, value);
  }
  if (!has_origin) {
    out.headers.emplace_back(header::kOriginalTopic, m.topic);
    out.headers.emplace_back(header::kOriginalPartition, std::to_string(m.partition));
    out.headers.emplace_back(header::kOriginalOffset, std::to_string(m.offset));
  }
  out.headers.emplace_back(header::kAttempt, std::to_string(d.attempt));
  out.headers.emplace_back(header::kNotBefore, std::to_string(d.not_before_ms));
  if (d.failing_since_ms > 0)
    out.headers.emplace_back(header::kFailingSince, std::to_string(d.failing_since_ms));
  out.headers.emplace_back(header::kErrorClass, std::string(error_class_name(d.error_class)));
  out.headers.emplace_back(header::kError, d.error.substr(0, 1000));
  auto delivery = publish_and_wait(publisher_, std::move(out), settings_.publish_timeout, gate_);
  const DeliveryResult result = co_await std::move(delivery);
  if (!result.durable) {
    log_event(spdlog::level::warn, "divert_failed",
              {{"eventId", r->key.event_id}, {"error", result.error}});
  } else if (d.to == Divert::To::retry_topic) {
    log_event(spdlog::level::info, "retry_later",
              {{"eventId", r->key.event_id}, {"attempt", d.attempt}, {"error", d.error}});
  }
  co_return Published{result.durable, result.error};
}

}  // namespace paynotify::worker
