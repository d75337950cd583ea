// End to end on loopback: ingest -> Kafka -> worker -> Redis -> reference order service.
// Promise 3 (each event takes effect once) and promise 4 (order per payment) under re-sends,
// outages, dead-lettering and replay, crashes, Redis restarts and group changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include <boost/json/parse.hpp>

#include "common/kafka/kafka_admin.hpp"
#include "common/service/ids.hpp"
#include "tests/support/kafka_topic.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/pipeline.hpp"
#include "tests/support/redis_fixture.hpp"
#include "worker/payment_event.hpp"
#include "worker/store/dedupe_store.hpp"

namespace paynotify::testing {
namespace {

namespace json = boost::json;

// Authorization then capture for `payments` payments named <prefix>-<run>-<i>, fresh per run
// so that dedupe state left in Redis by an earlier run never meets them.
std::vector<std::string> auth_and_capture(const std::string& prefix, int payments) {
  const std::string run = random_hex(3);
  std::vector<std::string> bodies;
  for (int i = 0; i < payments; ++i) {
    const std::string id = prefix + "-" + run + "-" + std::to_string(i);
    bodies.push_back(payment_result_body(id));
    bodies.push_back(capture_result_body(id, "cap-" + id));
  }
  return bodies;
}

// Runs a shell command; its standard output (the test fails when it exits non-zero).
std::string run_command(const std::string& command) {
  ShellRun run = run_shell(command);
  EXPECT_EQ(run.exit_code, 0) << command;
  return std::move(run.output);
}

// Sends every body with `threads` senders; each must be acknowledged.
// Whether the worker's log says it held `topic` because that topic's share of records in flight
// was full (in_flight.hpp). Exact where the gauges are not: a full share stays held until it
// drains to three quarters, so its count may sit below the limit while it holds.
bool logged_share_full(const Pipeline& p, const std::string& topic) {
  std::ifstream log(p.log_dir() + "/worker-0.log");
  const std::string held = "\"event\":\"consumption_paused\",\"topic\":\"" + topic +
                           "\",\"reason\":\"records in flight\"";
  for (std::string line; std::getline(log, line);) {
    if (line.find(held) != std::string::npos) return true;
  }
  return false;
}

void send_all(IngestHarness& ingest, const std::vector<std::string>& bodies, int threads = 6) {
  std::atomic<std::size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t) {
    senders.emplace_back([&] {
      for (std::size_t i = next.fetch_add(1); i < bodies.size(); i = next.fetch_add(1)) {
        if (ingest.send(bodies[i]) != 200) failures.fetch_add(1);
      }
    });
  }
  for (auto& s : senders) s.join();
  ASSERT_EQ(failures.load(), 0);
}

// Every payment's applied events equal the topic's order, each once. The reference service
// counts a key sent again as a conflict (409): only a worker killed between apply and record
// may cause one, never dedupe.
void expect_each_once_in_order(Pipeline& p, std::size_t records_in_topic,
                               std::size_t distinct_events, uint64_t conflicts_allowed = 0) {
  const auto expected = p.expected_order(records_in_topic);
  const json::object applied = p.applied();
  EXPECT_EQ(applied.at("applied").to_number<uint64_t>(), distinct_events);
  EXPECT_LE(applied.at("conflicts").to_number<uint64_t>(), conflicts_allowed)
      << "the order service was sent an applied event again";
  const auto& payments = applied.at("payments").as_object();
  std::size_t checked = 0;
  for (const auto& [payment, events] : expected) {
    const auto* got = payments.if_contains(payment);
    ASSERT_NE(got, nullptr) << payment << " never reached the order service";
    std::vector<std::string> order;
    for (const auto& e : got->at("events").as_array()) order.emplace_back(e.as_string());
    EXPECT_EQ(order, events) << "payment " << payment;
    checked += events.size();
  }
  EXPECT_EQ(checked, distinct_events);
}

TEST(Pipeline, EachEventOnceInOrderThoughSentThreeTimesShuffled) {
  Pipeline p("resend");
  p.start_worker();
  auto bodies = auth_and_capture("pay-rs", 1000);  // 2,000 distinct notifications
  std::vector<std::string> sends;
  for (int copy = 0; copy < 3; ++copy) sends.insert(sends.end(), bodies.begin(), bodies.end());
  std::shuffle(sends.begin(), sends.end(), std::mt19937_64{7});
  send_all(p.ingest(), sends);
  ASSERT_TRUE(
      wait_until([&] { return p.applied_count() >= bodies.size(); }, std::chrono::seconds(90)))
      << "applied " << p.applied_count() << " of " << bodies.size() << p.stall_report(bodies);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // nothing more may arrive
  expect_each_once_in_order(p, sends.size(), bodies.size());
  EXPECT_EQ(p.worker_metric(0, "paynotify_worker_duplicates_skipped_total"),
            static_cast<double>(sends.size() - bodies.size()))
      << "each re-send is skipped by the dedupe store, not left to the order service";
  // The metric counts every claim and every completion (it does not show how big the batches were).
  EXPECT_GE(p.worker_metric(0, "paynotify_worker_redis_batch_size_sum"),
            static_cast<double>(sends.size() + bodies.size()));
}

TEST(Pipeline, AnOrderServiceOutageDelaysButLosesNothing) {
  Pipeline p("outage");
  p.control(R"({"failRate":1.0,"failStatus":503})");
  p.start_worker();
  const auto bodies = auth_and_capture("pay-out", 100);
  send_all(p.ingest(), bodies);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(p.applied_count(), 0u);
  EXPECT_GT(p.applied().at("failed").to_number<uint64_t>(), 0u);
  // The breaker holds the worker back: a few probes, not --concurrency calls in a loop.
  EXPECT_GE(p.worker_metric(0, "paynotify_worker_order_service_breaker_open"), 0.5);
  const auto failed_at = p.applied().at("failed").to_number<uint64_t>();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_LT(p.applied().at("failed").to_number<uint64_t>() - failed_at, 30u)
      << "calls to a failing service in 3 s";
  EXPECT_GT(p.worker_metric(0, "paynotify_worker_retry_oldest_age_seconds"), 2.0);
  p.control(R"({"failRate":0.0})");
  ASSERT_TRUE(
      wait_until([&] { return p.applied_count() >= bodies.size(); }, std::chrono::seconds(90)))
      << "applied " << p.applied_count() << p.stall_report(bodies);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  expect_each_once_in_order(p, bodies.size(), bodies.size());
  EXPECT_TRUE(read_topic(p.topic() + ".dlq", 1, std::chrono::seconds(2)).empty());
  EXPECT_EQ(p.worker_metric(0, "paynotify_worker_retry_oldest_age_seconds"), 0.0);
}

// Issue 17: the worker hands events to a retry topic that gains partitions meanwhile. A hand-over
// that librdkafka acknowledged only implicitly (no offset) is not durable: the worker hands it
// over again. Had it counted, the main topic's offset would move past an event no topic holds,
// and that event would never reach the order service.
TEST(Pipeline, RetryHandOversLoseNothingWhileTheRetryTopicGainsPartitions) {
  Pipeline p("retry-grow");
  p.control(R"({"failRate":1.0,"failStatus":503})");
  // No circuit breaker, so every event goes to the retry topic; new partitions seen within 200 ms.
  p.start_worker({"--breaker-failures", "100000", "--quick-retries", "1", "--kafka-prop",
                  "topic.metadata.refresh.interval.ms=200"});
  const auto bodies = auth_and_capture("pay-grow", 300);
  std::thread sender([&] { send_all(p.ingest(), bodies); });
  for (int partitions : {9, 12, 15, 18}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    try {
      add_partitions(kafka_brokers(), {}, p.topic() + ".retry", partitions, 15000);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  sender.join();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // rounds through the grown retry topic
  p.control(R"({"failRate":0.0})");
  ASSERT_TRUE(
      wait_until([&] { return p.applied_count() >= bodies.size(); }, std::chrono::seconds(120)))
      << "applied " << p.applied_count() << " of " << bodies.size() << p.stall_report(bodies);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  expect_each_once_in_order(p, bodies.size(), bodies.size());
  EXPECT_TRUE(read_topic(p.topic() + ".dlq", 1, std::chrono::seconds(2)).empty());
  std::cout << "retry topic grown under traffic: "
            << p.worker_metric(0, "paynotify_worker_kafka_unconfirmed_deliveries_total{topic=\"" +
                                      p.topic() + ".retry\"}")
            << " hand-overs unconfirmed (-1: none)\n";
}

// A worker that holds all the records it may, most of them captures parked behind their
// authorizations in the retry topic, still consumes the retry topic: its records have a share
// of --max-in-flight of their own (in_flight.hpp). With one shared limit it paused every topic,
// the authorizations were never taken, and the captures waited for ever.
TEST(Pipeline, AWorkerFullOfParkedPaymentsStillTakesTheRetriesTheyWaitFor) {
  Pipeline p("full");
  p.control(R"({"failRate":1.0,"failStatus":503})");
  p.start_worker({"--max-in-flight", "8", "--breaker-failures", "100000", "--quick-retries", "1"});
  const auto bodies = auth_and_capture("pay-full", 30);
  send_all(p.ingest(), bodies);
  // The main topic's share filled and holds it. Not read from the in-flight gauge: one batch
  // can overshoot the share (10 records for a share of 6), and when the authorizations among them
  // go to the retry topic the captures left (5) keep the topic held, below the limit, with the
  // gauge above it only while a retry record is in flight, for milliseconds once a second.
  ASSERT_TRUE(wait_until(
      [&] {
        return logged_share_full(p, p.topic()) &&
               p.worker_metric(0, "paynotify_worker_consumption_paused") == 1.0;
      },
      std::chrono::seconds(30)))
      << "the worker never filled up" << p.stall_report(bodies);
  p.control(R"({"failRate":0.0})");
  ASSERT_TRUE(
      wait_until([&] { return p.applied_count() >= bodies.size(); }, std::chrono::seconds(60)))
      << "applied " << p.applied_count() << " of " << bodies.size() << p.stall_report(bodies);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  expect_each_once_in_order(p, bodies.size(), bodies.size());
}

TEST(Pipeline, ARetryBudgetShorterThanTheOutageDeadLettersWithTheReasonThenReplayAppliesIt) {
  Pipeline p("budget");
  p.control(R"({"failRate":1.0,"failStatus":503})");
  p.start_worker({"--retry-for", "3s"});
  const auto bodies = auth_and_capture("pay-budget", 20);
  send_all(p.ingest(), bodies);
  const auto dead = read_topic(p.topic() + ".dlq", bodies.size(), std::chrono::seconds(60));
  ASSERT_EQ(dead.size(), bodies.size()) << "logs in " << p.log_dir();
  for (const auto& d : dead) {
    EXPECT_EQ(d.headers.at("error-class"), "transient");
    EXPECT_NE(d.headers.at("error").find("gave up after retrying for"), std::string::npos)
        << d.headers.at("error");
  }
  EXPECT_EQ(p.applied_count(), 0u);
  p.control(R"({"failRate":0.0})");
  const std::string replay = std::string(PAYNOTIFY_CLI_BIN) + " replay --kafka-brokers " +
                             kafka_brokers() + " --topic " + p.topic() + " --group replay-" +
                             p.topic() + " --error-class transient >>" + p.log_dir() +
                             "/replay.log 2>&1";
  ASSERT_EQ(std::system(replay.c_str()), 0);
  ASSERT_TRUE(
      wait_until([&] { return p.applied_count() >= bodies.size(); }, std::chrono::seconds(60)))
      << "applied " << p.applied_count() << p.stall_report(bodies);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(p.applied_count(), bodies.size());
  EXPECT_EQ(p.applied().at("conflicts").to_number<uint64_t>(), 0u);
}

// A genuine notification captured and replayed eight days later (past the 7-day dedupe
// window): the signature verifies, so the ingest stores it, but the worker refuses to apply it.
TEST(Pipeline, AReplayOfAnOldGenuineNotificationIsDeadLetteredAsStaleNotApplied) {
  Pipeline p("stale");
  p.start_worker();
  const std::string id = "pay-stale-" + random_hex(3);
  const auto eight_days_ago =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(8 * 24))
          .count();
  ASSERT_EQ(p.ingest().send_signed_at(payment_result_body(id), std::to_string(eight_days_ago)),
            200u);
  ASSERT_EQ(p.ingest().send(payment_result_body(id + "-fresh")), 200u);
  const auto dead = read_topic(p.topic() + ".dlq", 1, std::chrono::seconds(30));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].key, id);
  EXPECT_EQ(dead[0].headers.at("error-class"), "stale");
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 1; }, std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(p.applied_count(), 1u) << "only the fresh one";
  EXPECT_EQ(p.worker_metric(0, "paynotify_worker_dead_lettered_total{error_class=\"stale\"}"), 1.0);
}

TEST(Pipeline, APermanentRejectionIsDeadLetteredAndReplayApplesIt) {
  Pipeline p("dlq");
  const std::string dead_id = "pay-dead-" + random_hex(3), alive_id = "pay-alive-" + random_hex(3);
  p.control(R"({"rejectPaymentIds":[")" + dead_id + R"("],"rejectStatus":422})");
  p.start_worker();
  ASSERT_EQ(p.ingest().send(payment_result_body(dead_id)), 200u);
  ASSERT_EQ(p.ingest().send(payment_result_body(alive_id)), 200u);
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 1; }, std::chrono::seconds(30)));
  const auto dead = read_topic(p.topic() + ".dlq", 1, std::chrono::seconds(20));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].key, dead_id);
  EXPECT_EQ(dead[0].headers.at("error-class"), "permanent");
  EXPECT_NE(dead[0].headers.at("error").find("422"), std::string::npos)
      << dead[0].headers.at("error");
  EXPECT_EQ(dead[0].headers.at("original-topic"), p.topic());
  EXPECT_EQ(dead[0].value, payment_result_body(dead_id));

  p.control(R"({"rejectPaymentIds":[]})");
  const std::string replay = std::string(PAYNOTIFY_CLI_BIN) + " replay --kafka-brokers " +
                             kafka_brokers() + " --topic " + p.topic() + " --group replay-" +
                             p.topic() + " --error-class permanent >>" + p.log_dir() +
                             "/replay.log 2>&1";
  ASSERT_EQ(std::system(replay.c_str()), 0);
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 2; }, std::chrono::seconds(30)));
  EXPECT_EQ(p.applied().at("payments").as_object().at(dead_id).at("state").as_string(),
            "AUTHORIZED");
  // A second replay finds nothing new to move.
  ASSERT_EQ(std::system(replay.c_str()), 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(p.applied_count(), 2u);
}

// Events the order service has applied that Redis does not record as done: a worker killed
// between the two never recorded them, so the next one sends each exactly once more (a 409).
uint64_t applied_but_unrecorded(Pipeline& p) {
  worker::RedisConnection redis(redis_settings());
  const json::object applied = p.applied();
  uint64_t n = 0;
  for (const auto& [payment, entry] : applied.at("payments").as_object()) {
    for (const auto& e : entry.at("events").as_array()) {
      const auto state =
          redis.command({"GET", worker::event_state_key(worker::EventKey{
                                    std::string(payment), std::string(e.as_string())})});
      if (!state || state->text != "done") ++n;
    }
  }
  return n;
}

// Antom's money rules end to end: an over-capture, a capture of a failed authorization (sent
// before it), a chargeback, and an authorization left uncaptured (reported by the deadline
// watch: --capture-warning-before 7d makes a fresh one due at once) each reach the anomalies
// topic once; a clean payment raises none. `paynotify ledger` shows what the worker keeps.
TEST(Pipeline, TheLedgerReportsBrokenMoneyRulesOnTheAnomaliesTopic) {
  Pipeline p("ledger");
  p.start_worker({"--capture-warning-before", "7d"});
  const std::string run = random_hex(3);
  const std::string clean = "pay-clean-" + run, over = "pay-over-" + run,
                    failed = "pay-failed-" + run, open = "pay-open-" + run;
  const std::vector<std::string> bodies = {payment_result_body(clean),
                                           capture_result_body(clean, "c-" + clean),
                                           payment_result_body(over),
                                           capture_result_body(over, "c1-" + over),
                                           capture_result_body(over, "c2-" + over),
                                           capture_result_body(failed, "c-" + failed),
                                           payment_result_body(failed, "F"),
                                           dispute_created_body(clean, "d-" + clean),
                                           capture_result_body(over, "c2-" + over),  // a re-send
                                           payment_result_body(open)};
  for (const auto& b : bodies) ASSERT_EQ(p.ingest().send(b), 200u);
  const auto anomalies = read_topic(p.topic() + ".anomalies", 4, std::chrono::seconds(30));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::map<std::string, std::string> kinds;  // payment -> kinds
  for (const auto& a : read_topic(p.topic() + ".anomalies", 10, std::chrono::seconds(3))) {
    kinds[a.key] += std::string(json::parse(a.value).at("kind").as_string()) + " ";
  }
  EXPECT_EQ(anomalies.size(), 4u);
  EXPECT_EQ(kinds[over], "CAPTURE_AMOUNT_MISMATCH ");
  EXPECT_EQ(kinds[failed], "CAPTURE_AFTER_FAILED_AUTHORIZATION ");
  EXPECT_EQ(kinds[clean], "DISPUTE_OPENED ");
  EXPECT_EQ(kinds[open], "AUTHORIZATION_EXPIRING_UNCAPTURED ");
  EXPECT_EQ(p.worker_metric(
                0, "paynotify_worker_payment_anomalies_total{kind=\"CAPTURE_AMOUNT_MISMATCH\"}"),
            1.0);

  const std::string cli = std::string(PAYNOTIFY_CLI_BIN) + " ledger ";
  const std::string redis = " --redis " + redis_address() + " --topic " + p.topic();
  const std::string shown = run_command(cli + "show --payment-id " + over + redis);
  EXPECT_NE(shown.find("\"captureId\":\"c2-" + over + "\""), std::string::npos) << shown;
  EXPECT_NE(shown.find("CAPTURE_AMOUNT_MISMATCH:" + over), std::string::npos) << shown;
  const std::string due = run_command(cli + "due --within 8d" + redis);
  EXPECT_NE(due.find("\"paymentId\":\"" + open + "\""), std::string::npos) << due;
  EXPECT_EQ(due.find(clean), std::string::npos) << "captured: not due";
}

TEST(Pipeline, AWorkerKilledMidStreamLosesNothingAndAppliesNothingTwice) {
  Pipeline p("sigkill");
  p.control(
      R"({"delayMs":10})");  // 16 calls at a time: about 1,600 events/s, a kill lands mid-stream
  const auto bodies = auth_and_capture("pay-kill", 750);
  send_all(p.ingest(), bodies);
  auto& first = p.start_worker({"--concurrency", "16"});
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 200; }, std::chrono::seconds(60)));
  first.signal(SIGKILL);
  first.wait();
  std::this_thread::sleep_for(
      std::chrono::milliseconds(500));  // calls the dead worker made have landed
  const auto at_kill = p.applied_count();
  EXPECT_LT(at_kill, bodies.size()) << "the kill came mid-stream";
  const uint64_t unrecorded = applied_but_unrecorded(p);
  p.start_worker();
  ASSERT_TRUE(
      wait_until([&] { return p.applied_count() >= bodies.size(); }, std::chrono::seconds(90)))
      << "applied " << p.applied_count() << p.stall_report(bodies);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  expect_each_once_in_order(p, bodies.size(), bodies.size(), unrecorded);
  EXPECT_EQ(p.applied().at("conflicts").to_number<uint64_t>(), unrecorded)
      << "each event applied but not recorded at the kill is sent again once, and no other";
  std::cout << "killed mid-stream: " << unrecorded << " events applied but not recorded\n";
  // Every capture equals its authorization: a ledger that counted a re-applied capture twice
  // would raise CAPTURE_AMOUNT_MISMATCH.
  EXPECT_TRUE(read_topic(p.topic() + ".anomalies", 1, std::chrono::seconds(2)).empty());
}

TEST(Pipeline, AWorkerLeavingTheGroupMidStreamHandsOverCleanly) {
  Pipeline p("leave");
  p.control(R"({"delayMs":2})");
  auto& first = p.start_worker({"--concurrency", "16"});
  p.start_worker({"--concurrency", "16"});
  const auto bodies = auth_and_capture("pay-leave", 750);
  send_all(p.ingest(), bodies);
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 300; }, std::chrono::seconds(60)));
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait(), 0) << "a clean drain; logs in " << p.log_dir();
  ASSERT_TRUE(
      wait_until([&] { return p.applied_count() >= bodies.size(); }, std::chrono::seconds(90)))
      << "applied " << p.applied_count() << p.stall_report(bodies);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  expect_each_once_in_order(p, bodies.size(), bodies.size());
}

// Three minutes of outage with the worker's default retry settings: Antom was acknowledged
// long ago and will not re-send, so every event must wait it out. Registered as a soak test.
TEST(PipelineLongOutage, ThreeMinutesWithDefaultSettingsLoseNothingAndDeadLetterNothing) {
  Pipeline p("long-outage");
  p.control(R"({"failRate":1.0,"failStatus":503})");
  p.start_worker({"--retry-base-ms", "2000", "--retry-max-ms", "900000", "--retry-for", "48h",
                  "--breaker-open-max-ms", "30000", "--order-timeout-ms", "5000", "--lease-ms",
                  "5000"});
  const auto bodies = auth_and_capture("pay-long", 200);
  send_all(p.ingest(), bodies);
  std::this_thread::sleep_for(std::chrono::minutes(3));
  const auto failed = p.applied().at("failed").to_number<uint64_t>();
  EXPECT_EQ(p.applied_count(), 0u);
  EXPECT_LT(failed, 400u) << "3 min of a failing service: the breaker's probes, not a retry storm";
  EXPECT_GT(p.worker_metric(0, "paynotify_worker_retry_oldest_age_seconds"), 170.0);
  p.control(R"({"failRate":0.0})");
  ASSERT_TRUE(
      wait_until([&] { return p.applied_count() >= bodies.size(); }, std::chrono::minutes(4)))
      << "applied " << p.applied_count() << p.stall_report(bodies);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  expect_each_once_in_order(p, bodies.size(), bodies.size());
  EXPECT_TRUE(read_topic(p.topic() + ".dlq", 1, std::chrono::seconds(2)).empty())
      << "nothing dead-lettered";
  std::cout << "long outage: " << failed << " calls to the failing service in 3 min\n";
}

// Stops and restarts the shared Redis: registered RUN_SERIAL.
TEST(PipelineRedisRestart, RedisRestartedMidStreamLosesNothingAndAppliesNothingTwice) {
  Pipeline p("redis");
  p.control(R"({"delayMs":3})");
  p.start_worker({"--concurrency", "16"});
  const auto bodies = auth_and_capture("pay-redis", 750);
  send_all(p.ingest(), bodies);
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 200; }, std::chrono::seconds(60)));
  const std::string stack = std::string(PAYNOTIFY_SOURCE_DIR) + "/deploy/local/stack.sh";
  ASSERT_EQ(std::system((stack + " down redis >/dev/null 2>&1").c_str()), 0);
  EXPECT_TRUE(wait_until([&] { return p.worker_readiness(0) == 503; }, std::chrono::seconds(10)))
      << "/readyz goes false while Redis is away";
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto while_down = p.applied_count();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_LE(p.applied_count(), while_down + 16) << "nothing new is claimed while Redis is down";
  ASSERT_EQ(std::system((stack + " up redis >/dev/null 2>&1").c_str()), 0);
  EXPECT_TRUE(wait_until([&] { return p.worker_readiness(0) == 200; }, std::chrono::seconds(10)))
      << "and true again by itself";
  ASSERT_TRUE(
      wait_until([&] { return p.applied_count() >= bodies.size(); }, std::chrono::seconds(90)))
      << "applied " << p.applied_count() << p.stall_report(bodies);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  expect_each_once_in_order(p, bodies.size(), bodies.size());
}

// The issue's reproduction: every authorization waits in the retry topic, its capture parked
// behind it, when Redis loses its data. The parking comes back from the retry topic before any
// claim, so no capture overtakes its authorization. Deletes Redis's data: RUN_SERIAL.
TEST(PipelineRedisRestart, ParkedPaymentsKeepTheirOrderWhenRedisLosesItsData) {
  Pipeline p("redis-loss");
  p.control(R"({"failRate":1.0,"failStatus":503})");
  // No circuit breaker: each authorization uses its quick tries and goes to the retry topic
  // (with the breaker open, records wait in memory, in order, and the parking is not tested).
  p.start_worker({"--concurrency", "16", "--breaker-failures", "100000"});
  const int payments = 1000;
  const auto bodies = auth_and_capture("pay-loss", payments);
  send_all(p.ingest(), bodies);
  // Every payment parked behind its authorization, as Redis shows it.
  std::string not_parked;  // the first few, for the failure message
  const auto parked = [&] {
    worker::RedisConnection redis(redis_settings());  // a new one: Redis restarts in between
    int n = 0;
    not_parked.clear();
    for (std::size_t i = 0; i < bodies.size(); i += 2) {
      const std::string id(json::parse(bodies[i]).at("paymentId").as_string());
      const auto v = redis.command({"GET", worker::parked_key(worker::EventKey{id, ""})});
      const bool is = v && v->type == worker::RedisValue::Type::text;
      n += is ? 1 : 0;
      if (!is && not_parked.size() < 200) not_parked += id + " ";
    }
    return n;
  };
  ASSERT_TRUE(wait_until([&] { return parked() == payments; }, std::chrono::seconds(120)))
      << "payments parked: " << parked() << "; logs in " << p.log_dir();
  EXPECT_EQ(p.applied_count(), 0u);

  const std::string stack = std::string(PAYNOTIFY_SOURCE_DIR) + "/deploy/local/stack.sh";
  ASSERT_EQ(std::system((stack + " lose redis >/dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(std::system((stack + " up redis >/dev/null 2>&1").c_str()), 0);
  ASSERT_TRUE(wait_until(
      [&] {
        return p.worker_metric(0, "paynotify_worker_parking_rebuilds_total") >= 1 &&
               p.worker_readiness(0) == 200;
      },
      std::chrono::seconds(60)))
      << "logs in " << p.log_dir();
  // Parked again: by the rebuild, or by an authorization that was between tries at the loss
  // and parked its payment itself (the rebuild keeps such a parking). Every authorization is in
  // the retry topic past the commit, so the rebuild accounts for each payment once.
  EXPECT_EQ(parked(), payments) << "every payment waits behind its authorization again; not: "
                                << not_parked << "; logs in " << p.log_dir();
  EXPECT_EQ(p.worker_metric(0, "paynotify_worker_parkings_restored_total") +
                p.worker_metric(0, "paynotify_worker_parkings_kept_total"),
            payments);

  p.control(R"({"failRate":0.0})");
  ASSERT_TRUE(
      wait_until([&] { return p.applied_count() >= bodies.size(); }, std::chrono::seconds(120)))
      << "applied " << p.applied_count() << p.stall_report(bodies);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  expect_each_once_in_order(p, bodies.size(), bodies.size());
}

}  // namespace
}  // namespace paynotify::testing
