// The real WorkerEngine (driver + state machine) against in-memory seams: every record ends in
// Finish with its offset stored, whatever the order service, the store or Kafka do. Time is a
// test clock: the engine's waits ring when the test moves it, nothing sleeps.
#include "worker/worker_engine.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>

#include <atomic>
#include <functional>
#include <thread>

#include "common/antom/notification_signer.hpp"
#include "common/kafka/record_headers.hpp"
#include "tests/support/in_memory_store.hpp"
#include "tests/support/ingest_harness.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/test_keys.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/worker_fakes.hpp"

namespace paynotify::worker {
namespace {

using testing::FakeOrderService;
using testing::InMemoryStore;
using testing::ManualClock;
using testing::RecordingPublisher;

constexpr const char* kTopic = "t";

class Engine : public ::testing::Test {
 protected:
  Engine() {
    settings_.main_topic = kTopic;
    settings_.owner = "test-owner";
    settings_.retry.quick_base_ms = 1;
    settings_.retry.quick_max_ms = 2;
    settings_.retry.retry_base_ms = 1;
    settings_.retry.retry_max_ms = 2;
    settings_.retry.wait_base_ms = 1;
    settings_.retry.wait_max_ms = 5;
    settings_.retry.store_retry_ms = 5;
    settings_.breaker.open_base_ms = 20;
    settings_.breaker.open_max_ms = 50;
  }

  ~Engine() override {
    if (engine_) engine_->close_gate();
    ctx_.stop();
    if (thread_.joinable()) thread_.join();
    if (pool_) pool_->stop();
    if (engine_) engine_->tear_down();
  }

  void start() {
    pool_ = std::make_unique<DedupePool>(2, [this] { return testing::seams_of(store_); });
    engine_ = std::make_unique<WorkerEngine>(
        settings_, ctx_, *pool_, *pool_, orders_, publisher_, metrics_,
        [this](const std::string& t, int32_t p, int64_t o) {
          std::lock_guard lock(mu_);
          stored_[{t, p}] = o;
        },
        clock_);
    thread_ = std::thread([this] { ctx_.run(); });
  }

  void submit(const std::string& topic, int64_t offset, const std::string& key,
              const std::string& body, RecordHeaders headers = {}) {
    ConsumedMessage m;
    m.topic = topic;
    m.partition = 0;
    m.offset = offset;
    m.key = key;
    m.value = body;
    m.headers = std::move(headers);
    engine_->submit(std::move(m));
  }

  // Waits (real time) until `done` holds; false on timeout. The test clock stays where it is.
  static bool eventually(const std::function<bool()>& done,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return paynotify::testing::wait_until(done, timeout, std::chrono::microseconds(200));
  }
  // Waits until nothing is in flight, the test clock standing still; false on timeout.
  bool drained(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return eventually([this] { return engine_->in_flight() == 0; }, timeout);
  }

  // Only the clock can move the engine on now: every record it started waits on an alarm (the
  // others queue behind an event of their payment, or for an order-service slot), and so does
  // the lease renewer.
  bool settled() const {
    const int64_t started = engine_->in_flight() - static_cast<int64_t>(metrics_.parked.Value()) -
                            static_cast<int64_t>(metrics_.calls_waiting.Value());
    return static_cast<int64_t>(clock_.alarms_set()) == started + 1;
  }
  // Runs the engine on the test clock for `span`, or until `done` holds: each time it has
  // settled, the clock moves on to the next alarm. False when it does not settle within 10 s.
  bool run_clock(
      std::chrono::milliseconds span, const std::function<bool()>& done = [] { return false; }) {
    const int64_t until = clock_.now_ms() + span.count();
    for (;;) {
      if (!eventually([&] { return done() || settled(); })) return false;
      if (done() || clock_.now_ms() >= until) return true;
      clock_.advance_to_next_alarm(until);
    }
  }
  // Runs the engine on the test clock until nothing is in flight (an hour of test time at most).
  bool run_until_drained() {
    const auto nothing_in_flight = [this] { return engine_->in_flight() == 0; };
    return run_clock(std::chrono::hours(1), nothing_in_flight) && nothing_in_flight();
  }

  int64_t stored(const std::string& topic) {
    std::lock_guard lock(mu_);
    const auto it = stored_.find({topic, 0});
    return it == stored_.end() ? -1 : it->second;
  }

  ManualClock clock_{system_now_ms()};  // outlives the alarms set on it
  EngineSettings settings_;
  InMemoryStore store_{clock_.reader()};
  FakeOrderService orders_{clock_};
  RecordingPublisher publisher_;
  MetricsRegistry registry_;
  WorkerMetrics metrics_{registry_};
  std::unique_ptr<DedupePool> pool_;
  std::unique_ptr<WorkerEngine> engine_;
  // Declared after the engine: destroyed first, with any coroutine frames it still holds.
  boost::asio::io_context ctx_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ctx_.get_executor()};
  std::thread thread_;
  std::mutex mu_;
  std::map<std::pair<std::string, int32_t>, int64_t> stored_;
};

const std::string kPaymentEventId = "PAYMENT_RESULT:p1:S";

TEST_F(Engine, EachEventIsAppliedOnceAndTheOffsetMovesPastEveryRecord) {
  start();
  const std::string body = paynotify::testing::payment_result_body("p1");
  for (int64_t offset = 0; offset < 3; ++offset)
    submit(kTopic, offset, "p1", body);  // a re-send and a redelivery
  ASSERT_TRUE(drained());
  EXPECT_EQ(orders_.calls_for(kPaymentEventId), 1);
  EXPECT_EQ(metrics_.applied.Value(), 1);
  EXPECT_EQ(metrics_.duplicates.Value(), 2);
  EXPECT_EQ(stored(kTopic), 3);
}

TEST_F(Engine, AnExceptionInTheApplyPathFinishesTheRecordAndThePartitionKeepsCommitting) {
  orders_.answer = [](const OrderCall&, int n) -> ApplyResult {
    if (n == 1) throw std::runtime_error("injected fault");
    return OrderAnswer{200};
  };
  start();
  submit(kTopic, 0, "p1", paynotify::testing::payment_result_body("p1"));
  submit(kTopic, 1, "p2", paynotify::testing::payment_result_body("p2"));
  ASSERT_TRUE(run_until_drained()) << "a thrown exception left a record unfinished";
  EXPECT_EQ(metrics_.applied.Value(), 2);
  EXPECT_EQ(orders_.calls(), 3);  // the faulted call counted as a failed try and was repeated
  EXPECT_EQ(stored(kTopic), 2);
}

TEST_F(Engine, AFailingServiceGoesToTheRetryTopicParkedThenTheRetryAppliesAndUnparks) {
  settings_.retry.quick_tries = 2;
  orders_.answer = [](const OrderCall&, int n) -> ApplyResult {
    return OrderAnswer{n <= 2 ? 503u : 200u};
  };
  start();
  submit(kTopic, 0, "p1", paynotify::testing::payment_result_body("p1"));
  ASSERT_TRUE(run_until_drained());
  const auto retry = publisher_.published(std::string(kTopic) + ".retry");
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_TRUE(store_.is_parked("p1")) << "later events of p1 wait behind the retry";
  EXPECT_EQ(stored(kTopic), 1) << "handed over durably: the main topic moves on";
  std::map<std::string, std::string> h(retry[0].headers.begin(), retry[0].headers.end());
  EXPECT_EQ(h[std::string(header::kAttempt)], "2");
  EXPECT_EQ(h[std::string(header::kErrorClass)], "transient");
  EXPECT_FALSE(h[std::string(header::kFailingSince)].empty());
  // A later event of the same payment waits while the head is parked.
  std::string capture = paynotify::testing::kCaptureResultBody;
  capture.replace(capture.find("\"paymentId\":\"2022XXXXXXX\""), 25, "\"paymentId\":\"p1\"");
  submit(kTopic, 1, "p1", capture);
  ASSERT_TRUE(run_clock(std::chrono::milliseconds(50)));  // ten of its waits, 1..5 ms each
  EXPECT_EQ(engine_->in_flight(), 1) << "the capture waits behind its parked authorization";
  EXPECT_EQ(orders_.calls(), 2);
  // The retry arrives: applied, the parking lifts, the capture follows.
  submit(std::string(kTopic) + ".retry", 0, "p1", retry[0].value, retry[0].headers);
  ASSERT_TRUE(run_until_drained());
  EXPECT_FALSE(store_.is_parked("p1"));
  EXPECT_EQ(orders_.calls_for(kPaymentEventId), 3);
  EXPECT_EQ(metrics_.applied.Value(), 2);
  EXPECT_EQ(stored(kTopic), 2);
  EXPECT_EQ(stored(std::string(kTopic) + ".retry"), 1);
}

TEST_F(Engine, TheRetryBudgetEndsInTheDeadLetterTopicWithTheReasonAndLiftsTheParking) {
  settings_.retry.retry_for_ms = 30;
  orders_.answer = [](const OrderCall&, int) -> ApplyResult { return OrderAnswer{503, "down"}; };
  start();
  // As the retry topic delivers it: failing for a minute already, past the 30 ms budget.
  const int64_t since = clock_.now_ms() - 60000;
  store_.park({"p1", kPaymentEventId}, 60);
  submit(std::string(kTopic) + ".retry", 0, "p1", paynotify::testing::payment_result_body("p1"),
         {{std::string(header::kAttempt), "7"},
          {std::string(header::kFailingSince), std::to_string(since)}});
  ASSERT_TRUE(run_until_drained());
  const auto dead = publisher_.published(std::string(kTopic) + ".dlq");
  ASSERT_EQ(dead.size(), 1u);
  std::map<std::string, std::string> h(dead[0].headers.begin(), dead[0].headers.end());
  EXPECT_EQ(h[std::string(header::kErrorClass)], "transient");
  EXPECT_NE(h[std::string(header::kError)].find("gave up after retrying for 1 min"),
            std::string::npos)
      << h[std::string(header::kError)];
  EXPECT_FALSE(store_.is_parked("p1")) << "a dead-lettered event no longer holds its payment";
  EXPECT_EQ(metrics_.dead_lettered(ErrorClass::transient).Value(), 1);
  EXPECT_EQ(stored(std::string(kTopic) + ".retry"), 1);
}

TEST_F(Engine, TheLeaseIsRenewedWhileASlowCallRunsSoNoOtherWorkerTakesTheEvent) {
  settings_.lease_ms = 300;
  orders_.delay = std::chrono::milliseconds(1200);  // four leases long
  start();
  submit(kTopic, 0, "p1", paynotify::testing::payment_result_body("p1"));
  ASSERT_TRUE(eventually([this] { return orders_.calls() == 1; }));
  ASSERT_TRUE(run_clock(std::chrono::milliseconds(900)));  // nine renewal rounds into the call
  EXPECT_EQ(store_.claim({"p1", kPaymentEventId}, "another-worker", 300).value(),
            ClaimOutcome::busy)
      << "the lease ran out during the call: another worker would apply the event too";
  ASSERT_TRUE(run_until_drained());
  EXPECT_EQ(orders_.calls(), 1);
  EXPECT_TRUE(store_.is_done(kPaymentEventId));
  EXPECT_EQ(store_.ledger_reads.load(), 1)
      << "the claim reads the ledger for the completion; renewals do not";
}

// A claimed record that waits for an order-service slot keeps its lease too: with one slot
// held by a slow call, the next payment's event waits four leases long.
TEST_F(Engine, TheLeaseIsRenewedWhileAClaimedRecordWaitsForASlot) {
  settings_.lease_ms = 300;
  settings_.concurrency = 1;
  orders_.delay = std::chrono::milliseconds(1200);  // four leases long
  start();
  submit(kTopic, 0, "p1", paynotify::testing::payment_result_body("p1"));
  submit(kTopic, 1, "p2", paynotify::testing::payment_result_body("p2"));
  ASSERT_TRUE(eventually([this] { return orders_.calls() == 1; }));
  ASSERT_TRUE(run_clock(std::chrono::milliseconds(900)));  // nine renewal rounds into the call
  EXPECT_EQ(store_.claim({"p2", "PAYMENT_RESULT:p2:S"}, "another-worker", 300).value(),
            ClaimOutcome::busy)
      << "the lease of the record waiting for the slot ran out: another worker would apply it";
  ASSERT_TRUE(run_until_drained());
  EXPECT_EQ(orders_.calls(), 2);
  EXPECT_TRUE(store_.is_done("PAYMENT_RESULT:p2:S"));
  EXPECT_EQ(metrics_.calls_waiting.Value(), 0) << "the queue for the slot is empty again";
}

TEST_F(Engine, ADrainGivesUpWaitingRecordsAtOnceAndStoresNoOffsetForThem) {
  orders_.answer = [](const OrderCall&, int) -> ApplyResult { return OrderAnswer{503}; };
  settings_.retry.quick_tries = 1000;  // every record keeps waiting in process
  settings_.retry.quick_base_ms = 60000;
  settings_.retry.quick_max_ms = 60000;
  start();
  for (int i = 0; i < 5; ++i) {
    submit(kTopic, i, "p1",
           paynotify::testing::payment_result_body("p1"));  // 1 runs, 4 queue behind it
  }
  ASSERT_TRUE(eventually([this] { return settled(); }));  // the first waits a minute to retry
  EXPECT_EQ(engine_->in_flight(), 5);
  EXPECT_EQ(metrics_.parked.Value(), 4);
  const auto started = std::chrono::steady_clock::now();
  engine_->begin_drain();
  ASSERT_TRUE(drained(std::chrono::seconds(2))) << "a drain waited for records that only wait";
  EXPECT_EQ(metrics_.parked.Value(), 0) << "the records given up wait no more";
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
  EXPECT_EQ(stored(kTopic), -1)
      << "nothing finished: nothing stored, all redelivered after the restart";
  submit(kTopic, 5, "p2", paynotify::testing::payment_result_body("p2"));
  ASSERT_TRUE(drained(std::chrono::seconds(1))) << "records arriving while draining are refused";
  EXPECT_EQ(orders_.calls_for("PAYMENT_RESULT:p2:S"), 0);
}

// Records are held in memory up to a count and up to their bytes: a run of large ones pauses
// consumption before the count is reached, and a drain gives both back. The main topic's share
// is three quarters of the limits (in_flight.hpp).
TEST_F(Engine, ConsumptionPausesAtTheBytesHeldAsAtTheCount) {
  orders_.answer = [](const OrderCall&, int) -> ApplyResult { return OrderAnswer{503}; };
  settings_.retry.quick_tries = 1000;  // every record keeps waiting in process
  settings_.retry.quick_base_ms = 60000;
  settings_.retry.quick_max_ms = 60000;
  const std::string body = paynotify::testing::payment_result_body("p1");
  const auto one = static_cast<int64_t>(std::string(kTopic).size() + 2 + body.size());
  settings_.max_in_flight_bytes = static_cast<std::size_t>(4 * one);
  start();
  submit(kTopic, 0, "p1", body);
  submit(kTopic, 1, "p1", body);
  EXPECT_FALSE(engine_->hold(kTopic));
  EXPECT_EQ(metrics_.in_flight_bytes.Value(), 2 * one);
  submit(kTopic, 2, "p1", body);
  EXPECT_TRUE(engine_->hold(kTopic)) << "three records of " << one << " bytes are the share";
  EXPECT_FALSE(engine_->hold(std::string(kTopic) + ".retry")) << "the retry topic has its own";
  EXPECT_EQ(engine_->in_flight(), 3);
  engine_->begin_drain();
  ASSERT_TRUE(drained(std::chrono::seconds(2)));
  EXPECT_EQ(metrics_.in_flight_bytes.Value(), 0) << "the drained records' bytes were given back";
  EXPECT_FALSE(engine_->hold(kTopic));
}

// At most 4 x --concurrency records are driven at once (start_window.hpp); a record waiting on
// a timer (a call backing off, a payment parked behind its retry) steps out meanwhile, so
// waiting payments never hold up one that can be applied.
TEST_F(Engine, RecordsThatWaitDoNotHoldUpAPaymentThatCanBeApplied) {
  orders_.answer = [](const OrderCall& call, int) -> ApplyResult {
    return call.idempotency_key == "PAYMENT_RESULT:ok:S" ? OrderAnswer{200} : OrderAnswer{503};
  };
  settings_.concurrency = 1;           // a window of 4
  settings_.retry.quick_tries = 1000;  // the failing ones keep waiting in process
  settings_.retry.quick_base_ms = 60000;
  settings_.retry.quick_max_ms = 60000;
  start();
  for (int i = 0; i < 8; ++i) {
    const std::string payment = "waits" + std::to_string(i);
    submit(kTopic, i, payment, paynotify::testing::payment_result_body(payment));
  }
  submit(kTopic, 8, "ok", paynotify::testing::payment_result_body("ok"));
  EXPECT_TRUE(eventually([&] { return orders_.calls_for("PAYMENT_RESULT:ok:S") == 1; }))
      << "the payment that could be applied waited behind those backing off";
  ASSERT_TRUE(eventually([this] { return settled(); }));  // it finished, the others wait
  EXPECT_EQ(engine_->in_flight(), 8);
}

TEST_F(Engine, AStaleReplayIsDeadLetteredNotApplied) {
  start();
  const int64_t received = clock_.now_ms();
  submit(kTopic, 0, "p1", paynotify::testing::payment_result_body("p1"),
         {{std::string(header::kReceivedAt), std::to_string(received)},
          {std::string(header::kRequestTime), std::to_string(received - 8LL * 86400 * 1000)}});
  ASSERT_TRUE(drained());
  EXPECT_EQ(orders_.calls(), 0);
  const auto dead = publisher_.published(std::string(kTopic) + ".dlq");
  ASSERT_EQ(dead.size(), 1u);
  std::map<std::string, std::string> h(dead[0].headers.begin(), dead[0].headers.end());
  EXPECT_EQ(h[std::string(header::kErrorClass)], "stale");
  EXPECT_EQ(metrics_.dead_lettered(ErrorClass::stale).Value(), 1);
  EXPECT_EQ(stored(kTopic), 1);
}

// Without the ingest's receipt time a replay is judged by when it is read (the clock), so
// dropping the unsigned header does not turn the check off.
TEST_F(Engine, AStaleReplayWithoutItsReceiptTimeIsDeadLetteredToo) {
  start();
  const int64_t signed_at = clock_.now_ms();
  clock_.advance(std::chrono::hours(8 * 24));  // read eight days later
  submit(kTopic, 0, "p1", paynotify::testing::payment_result_body("p1"),
         {{std::string(header::kRequestTime), std::to_string(signed_at)}});
  ASSERT_TRUE(drained());
  EXPECT_EQ(orders_.calls(), 0);
  EXPECT_EQ(metrics_.dead_lettered(ErrorClass::stale).Value(), 1);
}

// The record's antom-* headers as the ingest writes them, for `body` signed with test key `key`.
RecordHeaders signed_by_antom(const std::string& body, int key = 0) {
  const std::string uri = "/notifications/antom";
  const auto s = sign_notification(paynotify::testing::test_key(key).private_key.get(), uri,
                                   paynotify::testing::kClientId, iso8601_now(), body);
  return {{std::string(header::kRequestUri), uri},
          {std::string(header::kClientId), s.client_id},
          {std::string(header::kRequestTime), s.request_time},
          {std::string(header::kSignature), s.signature}};
}

// Anyone who can write to the topics is not Antom: only what Antom signed is applied.
TEST_F(Engine, OnlyRecordsThatCarryAntomsSignatureOfTheirValueAreApplied) {
  auto keys = std::make_shared<KeyRegistry>();
  keys->add(paynotify::testing::kClientId, "1", paynotify::testing::test_key(0).pair.public_pem);
  settings_.record_keys = keys;
  start();
  const std::string genuine = paynotify::testing::payment_result_body("p1");
  submit(kTopic, 0, "p1", genuine, signed_by_antom(genuine));
  const std::string forged = paynotify::testing::payment_result_body("p2");
  submit(kTopic, 1, "p2", forged);  // no signature at all
  submit(kTopic, 2, "p3", paynotify::testing::payment_result_body("p3"),
         signed_by_antom(paynotify::testing::payment_result_body("p3-other")));  // another body's
  submit(kTopic, 3, "p4", paynotify::testing::payment_result_body("p4"),
         signed_by_antom(paynotify::testing::payment_result_body("p4"), 1));  // a stranger's key
  ASSERT_TRUE(drained());
  EXPECT_EQ(orders_.calls(), 1) << "only the genuine record reaches the order service";
  EXPECT_EQ(orders_.calls_for(kPaymentEventId), 1);
  const auto dead = publisher_.published(std::string(kTopic) + ".dlq");
  ASSERT_EQ(dead.size(), 3u);
  for (const auto& d : dead) {
    std::map<std::string, std::string> h(d.headers.begin(), d.headers.end());
    EXPECT_EQ(h[std::string(header::kErrorClass)], "unsigned_record");
    EXPECT_EQ(h[std::string(header::kError)].rfind("record signature: ", 0), 0u)
        << h[std::string(header::kError)];
  }
  EXPECT_EQ(metrics_.dead_lettered(ErrorClass::unsigned_record).Value(), 3);
  EXPECT_EQ(stored(kTopic), 4);
}

TEST_F(Engine, AStoreCallThatThrowsIsAFaultOfTheRecordNotOfTheProcess) {
  store_.throw_next = 3;  // on the store's own thread: it must come back to the record
  start();
  submit(kTopic, 0, "p1", paynotify::testing::payment_result_body("p1"));
  ASSERT_TRUE(run_until_drained());
  EXPECT_EQ(orders_.calls(), 1);
  EXPECT_TRUE(store_.is_done(kPaymentEventId));
  EXPECT_EQ(stored(kTopic), 1);
}

TEST_F(Engine, AStoreThatIsDownIsWaitedForNothingStoredMeanwhile) {
  store_.down = true;
  start();
  submit(kTopic, 0, "p1", paynotify::testing::payment_result_body("p1"));
  ASSERT_TRUE(run_clock(std::chrono::milliseconds(100)));  // twenty claims, 5 ms apart
  EXPECT_FALSE(engine_->dedupe_reachable());
  EXPECT_EQ(engine_->in_flight(), 1);
  EXPECT_EQ(stored(kTopic), -1);
  EXPECT_EQ(orders_.calls(), 0) << "nothing is applied without a claim";
  store_.down = false;
  ASSERT_TRUE(run_until_drained());
  EXPECT_TRUE(engine_->dedupe_reachable());
  EXPECT_EQ(orders_.calls(), 1);
  EXPECT_TRUE(store_.is_done(kPaymentEventId));
  EXPECT_EQ(stored(kTopic), 1);
}

TEST_F(Engine, APublisherThatRefusesHoldsTheOffsetUntilTheDeadLetterIsDurable) {
  publisher_.refuse = true;
  start();
  submit(kTopic, 0, "v1", paynotify::testing::kVaultingBody);
  ASSERT_TRUE(run_clock(std::chrono::milliseconds(100)));
  EXPECT_GT(publisher_.refused.load(), 1);
  EXPECT_EQ(engine_->in_flight(), 1);
  EXPECT_EQ(stored(kTopic), -1) << "not durable anywhere: the offset must not move";
  publisher_.refuse = false;
  ASSERT_TRUE(run_until_drained());
  const auto dead = publisher_.published(std::string(kTopic) + ".dlq");
  ASSERT_EQ(dead.size(), 1u);
  std::map<std::string, std::string> h(dead[0].headers.begin(), dead[0].headers.end());
  EXPECT_EQ(h[std::string(header::kErrorClass)], "unsupported_kind");
  EXPECT_EQ(metrics_.dead_lettered(ErrorClass::unsupported_kind).Value(), 1);
  EXPECT_NE(registry_.render().find("paynotify_worker_unsupported_kind_total{kind=\"VAULTING\"} 1"),
            std::string::npos);
  EXPECT_EQ(stored(kTopic), 1);
}

TEST_F(Engine, AFailingServiceGetsTheBreakersProbesNotTheFullConcurrency) {
  settings_.concurrency = 64;
  settings_.retry.quick_tries =
      1000;  // keep every record in process: only the breaker limits calls
  settings_.breaker.failures_to_open = 5;
  settings_.breaker.probes = 1;
  std::atomic<bool> up{false};
  orders_.answer = [&up](const OrderCall&, int) -> ApplyResult {
    return OrderAnswer{up.load() ? 200u : 503u};
  };
  start();
  for (int i = 0; i < 200; ++i) {
    const std::string id = "p" + std::to_string(i);
    submit(kTopic, i, id, paynotify::testing::payment_result_body(id));
  }
  ASSERT_TRUE(run_clock(std::chrono::milliseconds(500)));
  const int calls_while_down = orders_.calls();
  // Without the breaker: 200 records x (500 ms / ~2 ms backoff) tries. With it: the calls that
  // were in flight when it opened, then one probe per open period (20..50 ms).
  EXPECT_LT(calls_while_down, 200 + 64 + 40)
      << "a failing service got the worker's full concurrency";
  EXPECT_GT(metrics_.breaker_refusals.Value(), 100);
  EXPECT_EQ(publisher_.published(std::string(kTopic) + ".dlq").size(), 0u);
  up = true;
  ASSERT_TRUE(run_until_drained());
  EXPECT_EQ(metrics_.applied.Value(), 200);
  EXPECT_EQ(stored(kTopic), 200);
  EXPECT_EQ(engine_->breaker_state(), CircuitBreaker::State::closed);
}

// The ledger through the engine: an over-capture raises one anomaly, published once to the
// anomalies topic and counted; re-sends raise nothing more; a refused publication stays in
// the outbox and goes out with the payment's next completion, under the same id.
TEST_F(Engine, AnOverCaptureIsPublishedOnceAsAnAnomalyAndARefusedOneLater) {
  start();
  const std::string payment = "p1";
  submit(kTopic, 0, payment, paynotify::testing::payment_result_body(payment));
  submit(kTopic, 1, payment, paynotify::testing::capture_result_body(payment, "c1"));
  submit(kTopic, 2, payment, paynotify::testing::capture_result_body(payment, "c1"));  // a re-send
  ASSERT_TRUE(drained());
  EXPECT_TRUE(publisher_.published(std::string(kTopic) + ".anomalies").empty())
      << "4200 of 4200: nothing to say";
  publisher_.refuse = true;
  submit(kTopic, 3, payment,
         paynotify::testing::capture_result_body(payment, "c2"));  // 8400 of 4200
  ASSERT_TRUE(drained());
  EXPECT_TRUE(publisher_.published(std::string(kTopic) + ".anomalies").empty());
  EXPECT_EQ(stored(kTopic), 4)
      << "the capture is applied and recorded; its anomaly waits in the outbox";
  publisher_.refuse = false;
  submit(kTopic, 4, payment, paynotify::testing::dispute_created_body(payment, "d1"));
  submit(kTopic, 5, payment, paynotify::testing::capture_result_body(payment, "c2"));  // a re-send
  ASSERT_TRUE(drained());
  const auto anomalies = publisher_.published(std::string(kTopic) + ".anomalies");
  ASSERT_EQ(anomalies.size(), 2u);
  EXPECT_EQ(anomalies[0].key, payment);
  EXPECT_NE(anomalies[0].value.find("\"kind\":\"CAPTURE_AMOUNT_MISMATCH\""), std::string::npos)
      << anomalies[0].value;
  EXPECT_NE(anomalies[1].value.find("\"kind\":\"DISPUTE_OPENED\""), std::string::npos)
      << anomalies[1].value;
  EXPECT_EQ(registry_.render().find(
                "paynotify_worker_payment_anomalies_total{kind=\"CAPTURE_AMOUNT_MISMATCH\"} 1") !=
                std::string::npos,
            true);
}

}  // namespace
}  // namespace paynotify::worker
