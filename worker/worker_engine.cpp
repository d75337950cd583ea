#include "worker/worker_engine.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <future>

#include "common/ids.hpp"
#include "common/log.hpp"

namespace paynotify::worker {

namespace net = boost::asio;

struct WorkerEngine::Record {
  ConsumedMessage message;
  bool from_retry_topic = false;  // the record key is the payment's lane otherwise
};

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t header_int(const ConsumedMessage& m, std::string_view name, int64_t fallback) {
  const std::string v = m.header(name);
  try {
    return v.empty() ? fallback : std::stoll(v);
  } catch (const std::exception&) {
    return fallback;
  }
}

bool is_control_header(const std::string& name) {
  return name == "attempt" || name == "not-before" || name == "error-class" || name == "error";
}

void log_failure(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log_event(spdlog::level::err, "record_processing_failed", {{"error", ex.what()}});
  }
}

}  // namespace

WorkerEngine::WorkerEngine(EngineSettings settings, net::io_context& ctx, DedupePool& dedupe,
                           OrderServiceClient& orders, Publisher& publisher, WorkerMetrics& metrics,
                           StoreOffset store)
    : settings_(std::move(settings)),
      ctx_(ctx),
      dedupe_(dedupe),
      orders_(orders),
      publisher_(publisher),
      metrics_(metrics),
      store_offset_(std::move(store)),
      slots_(settings_.concurrency) {}

WorkerEngine::~WorkerEngine() { gate_->close(); }

bool WorkerEngine::wants_pause() const {
  return !dedupe_ok_.load() || static_cast<std::size_t>(in_flight_.load()) >= settings_.max_in_flight;
}

void WorkerEngine::submit(ConsumedMessage message) {
  in_flight_.fetch_add(1);
  auto r = std::make_shared<Record>();
  r->from_retry_topic = message.topic == settings_.retry_topic();
  r->message = std::move(message);
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

void WorkerEngine::accept(std::shared_ptr<Record> r) {
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
  net::co_spawn(ctx_, process(std::move(r)), log_failure);
}

void WorkerEngine::finish(std::shared_ptr<Record> r, bool recorded) {
  const TopicPartition tp{r->message.topic, r->message.partition};
  if (auto it = trackers_.find(tp); recorded && it != trackers_.end()) {
    if (const auto next = it->second.finish(r->message.offset)) store_offset_(tp.topic, tp.partition, *next);
  }
  in_flight_.fetch_sub(1);
  metrics_.in_flight.set(in_flight_.load());
  if (!r->from_retry_topic) {
    if (auto next = lanes_.finish(r->message.key)) start(std::move(*next));
    metrics_.parked.set(static_cast<int64_t>(lanes_.waiting()));
  }
}

net::awaitable<void> WorkerEngine::process(std::shared_ptr<Record> r) {
  bool recorded = true;
  try {
    auto handling = handle(r);
    co_await std::move(handling);
  } catch (const std::exception& e) {
    // Its offset is never stored, so the record is redelivered after a restart.
    log_event(spdlog::level::err, "record_failed",
              {{"topic", r->message.topic}, {"offset", r->message.offset}, {"error", e.what()}});
    recorded = false;
  }
  finish(r, recorded);
}

net::awaitable<void> WorkerEngine::sleep(std::chrono::milliseconds d) {
  net::steady_timer t(ctx_, d);
  co_await t.async_wait(net::as_tuple(net::use_awaitable));
}

template <typename Fn>
net::awaitable<void> WorkerEngine::until_stored(Fn fn) {
  // An outcome must be recorded before the offset moves on; the store coming back is awaited.
  // Named awaitables, not temporaries inside co_await: GCC 12 destroys such temporaries twice.
  for (;;) {
    auto op = dedupe_.call(fn);
    if (co_await std::move(op)) break;
    dedupe_ok_.store(false);
    co_await sleep(std::chrono::milliseconds(500));
  }
  dedupe_ok_.store(true);
}

net::awaitable<bool> WorkerEngine::claim(const PaymentEvent& e) {
  const EventKey key{e.order_key, e.event_id};
  const std::string owner = settings_.owner;
  const int64_t lease = settings_.lease_ms;
  for (;;) {
    auto job = [key, owner, lease](DedupeStore& s) { return s.claim(key, owner, lease); };
    auto op = dedupe_.call(std::move(job));
    const ClaimOutcome outcome = co_await std::move(op);
    switch (outcome) {
      case ClaimOutcome::claimed:
        dedupe_ok_.store(true);
        co_return true;
      case ClaimOutcome::done:
        dedupe_ok_.store(true);
        metrics_.duplicates.inc();
        log_event(spdlog::level::debug, "duplicate_skipped", {{"eventId", e.event_id}});
        co_return false;
      case ClaimOutcome::busy:
      case ClaimOutcome::parked:
        dedupe_ok_.store(true);
        metrics_.waits.inc();
        co_await sleep(settings_.claim_backoff);
        break;
      case ClaimOutcome::unavailable:
        dedupe_ok_.store(false);
        co_await sleep(std::chrono::milliseconds(500));
        break;
    }
  }
}

net::awaitable<void> WorkerEngine::divert(std::shared_ptr<Record> r, std::string topic, int attempt,
                                          int64_t not_before_ms, ErrorClass error_class, std::string error) {
  OutgoingRecord out;
  out.topic = topic;
  out.key = r->message.key;
  out.value = r->message.value;
  bool has_origin = false;
  for (const auto& [name, value] : r->message.headers) {
    if (is_control_header(name)) continue;
    if (name == "original-topic") has_origin = true;
    out.headers.emplace_back(name, value);
  }
  if (!has_origin) {
    out.headers.emplace_back("original-topic", r->message.topic);
    out.headers.emplace_back("original-partition", std::to_string(r->message.partition));
    out.headers.emplace_back("original-offset", std::to_string(r->message.offset));
  }
  out.headers.emplace_back("attempt", std::to_string(attempt));
  out.headers.emplace_back("not-before", std::to_string(not_before_ms));
  out.headers.emplace_back("error-class", std::string(error_class_name(error_class)));
  out.headers.emplace_back("error", error.substr(0, 1000));
  for (;;) {
    auto delivery = publish_and_wait(publisher_, out, settings_.publish_timeout, gate_);
    const DeliveryResult d = co_await std::move(delivery);
    if (d.durable) co_return;
    log_event(spdlog::level::warn, "divert_failed", {{"topic", topic}, {"error", d.error}});
    co_await sleep(std::chrono::milliseconds(1000));
  }
}

net::awaitable<void> WorkerEngine::handle(std::shared_ptr<Record> r) {
  const ConsumedMessage& m = r->message;
  const int round = r->from_retry_topic ? static_cast<int>(std::max<int64_t>(1, header_int(m, "attempt", 1))) : 1;
  if (r->from_retry_topic) {
    const int64_t wait = header_int(m, "not-before", 0) - now_ms();
    if (wait > 0) co_await sleep(std::chrono::milliseconds(wait));
  }
  EventDerivation derived = derive_event(m.value, header_int(m, "received-at", 0));
  if (!derived.event) {
    // Never dropped: dead-lettered with the reason; an unsupported kind comes back by replay.
    const ErrorClass why = derived.why_not == NoEvent::unsupported_kind ? ErrorClass::unsupported_kind
                                                                        : ErrorClass::invalid_record;
    log_event(spdlog::level::warn, "dead_lettered",
              {{"errorClass", error_class_name(why)}, {"kind", derived.kind}, {"error", derived.error}, {"offset", m.offset}});
    auto dead_letter = divert(r, settings_.dead_letter_topic(), round, 0, why, derived.error);
    co_await std::move(dead_letter);
    metrics_.dead_lettered(why).inc();
    if (why == ErrorClass::unsupported_kind) metrics_.unsupported_kind(derived.kind);
    co_return;
  }
  const PaymentEvent& e = *derived.event;
  auto claiming = claim(e);
  if (!co_await std::move(claiming)) co_return;

  const EventKey key{e.order_key, e.event_id};
  const std::string owner = settings_.owner;
  std::string traceparent = m.header("traceparent");
  if (!is_valid_traceparent(traceparent)) traceparent = new_traceparent();
  const OrderCall call{e.event_id, traceparent, boost::json::serialize(e.order_request)};
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  for (int attempt_in_round = 1;; ++attempt_in_round) {
    const auto started = std::chrono::steady_clock::now();
    auto slot = slots_.acquire();
    co_await std::move(slot);
    auto call_order_service = orders_.apply(call);
    const ApplyResult result = co_await std::move(call_order_service);
    slots_.release();
    metrics_.order_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    const NextStep step = next_step(result, attempt_in_round, round, settings_.retry, jitter(rng_));
    switch (step.action) {
      case Action::applied: {
        const int64_t ttl = settings_.dedupe_ttl_s;
        auto record_done = until_stored([key, owner, ttl](DedupeStore& s) { return s.complete(key, owner, ttl); });
        co_await std::move(record_done);
        metrics_.applied.inc();
        log_event(spdlog::level::debug, "applied", {{"eventId", e.event_id}, {"status", result.status}});
        co_return;
      }
      case Action::retry_now:
        metrics_.retried.inc();
        co_await sleep(std::chrono::milliseconds(step.delay_ms));
        continue;
      case Action::retry_topic: {
        // Park first, then hand over: the retry may run (and finish) the moment it is durable.
        const int64_t park_ttl = settings_.dedupe_ttl_s;
        auto park = until_stored([key, park_ttl](DedupeStore& s) { return s.park(key, park_ttl); });
        co_await std::move(park);
        auto hand_over = divert(r, settings_.retry_topic(), round + 1, now_ms() + step.delay_ms, step.error_class, step.error);
        co_await std::move(hand_over);
        auto release = until_stored([key, owner](DedupeStore& s) { return s.release(key, owner, false); });
        co_await std::move(release);
        metrics_.to_retry_topic.inc();
        log_event(spdlog::level::info, "retry_later", {{"eventId", e.event_id}, {"attempt", round + 1}, {"error", step.error}});
        co_return;
      }
      case Action::dead_letter: {
        auto dead_letter = divert(r, settings_.dead_letter_topic(), round, 0, step.error_class, step.error);
        co_await std::move(dead_letter);
        auto unpark = until_stored([key, owner](DedupeStore& s) { return s.release(key, owner, true); });
        co_await std::move(unpark);
        metrics_.dead_lettered(step.error_class).inc();
        log_event(spdlog::level::warn, "dead_lettered",
                  {{"eventId", e.event_id}, {"errorClass", error_class_name(step.error_class)}, {"error", step.error}});
        co_return;
      }
    }
  }
}

}  // namespace paynotify::worker
