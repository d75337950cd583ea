// The deadline watch against the real Redis: two workers' watches take each due payment once
// and report it once; entries a crashed worker took come due again; the expiry gauge. Each
// test is a deployment of its own (a scope of its own).
#include "worker/deadline_watch.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>
#include <thread>

#include "common/antom/request_time.hpp"
#include "common/service/ids.hpp"
#include "tests/support/ledgers.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/worker_fakes.hpp"
#include "worker/payment_event.hpp"
#include "worker/payment_ledger.hpp"
#include "worker/redis/redis_ledger_store.hpp"

namespace paynotify::worker {
namespace {

using testing::redis_settings;
using testing::trusted_generation;

constexpr int64_t kHour = 3600 * 1000;

using testing::store_authorization;
const auto now_ms = testing::wall_now_ms;
const auto about = testing::anomalies_about;

struct Watcher {
  MetricsRegistry registry;
  WorkerMetrics metrics{registry};
  testing::RecordingPublisher published;
  DeadlineWatch watch;
  explicit Watcher(const std::string& scope, int64_t lease_ms = 60000)
      : watch({"anomalies", 24 * kHour, 600, std::chrono::milliseconds(1000), lease_ms, 50},
              std::make_unique<RedisLedgerStore>(redis_settings(), scope), published, metrics,
              now_ms) {}
};

TEST(DeadlineWatch, TwoWorkersReportEachExpiredAuthorizationOnce) {
  const std::string scope = "test.watch." + random_hex(4);
  RedisLedgerStore store(redis_settings(), scope);
  const std::string run = random_hex(3);
  std::set<std::string> payments;
  for (int i = 0; i < 120; ++i) {
    const std::string payment = "pay-watch-" + run + "-" + std::to_string(i);
    payments.insert(payment);
    store_authorization(store, payment, 8 * 24 * kHour, 24 * kHour);  // expired a day ago
  }
  Watcher a(scope), b(scope);
  std::thread ta([&] {
    while (a.watch.run_once().value_or(0) > 0) {
    }
  });
  std::thread tb([&] {
    while (b.watch.run_once().value_or(0) > 0) {
    }
  });
  ta.join();
  tb.join();
  std::set<std::string> reported;
  std::size_t records = 0;
  for (auto* w : {&a, &b}) {
    for (const auto& r : w->published.published("anomalies")) {
      const auto doc = boost::json::parse(r.value).as_object();
      if (!payments.count(r.key)) continue;  // another test's leftovers
      ++records;
      EXPECT_EQ(doc.at("kind").as_string(), "AUTHORIZATION_EXPIRED_UNCAPTURED");
      reported.insert(r.key);
    }
  }
  EXPECT_EQ(reported.size(), payments.size()) << "every expired authorization reported";
  EXPECT_EQ(records, payments.size()) << "and each once, across both workers";
  // Nothing more to say about them: off the watch.
  Watcher c(scope);
  c.watch.run_once();
  for (const auto& p : payments) EXPECT_TRUE(about(c.published, p).empty()) << p;
}

TEST(DeadlineWatch, WhatACrashedWorkerTookComesDueAgainAfterItsLease) {
  const std::string scope = "test.watch." + random_hex(4);
  RedisLedgerStore store(redis_settings(), scope);
  const std::string payment = "pay-watch-" + random_hex(3);
  store_authorization(store, payment, 6 * 24 * kHour + 1 * kHour,
                      24 * kHour);                          // 23 h left: expiring
  const auto taken = store.take_due(now_ms(), 1500, 1000);  // the "crashed" worker
  ASSERT_TRUE(taken.has_value());
  ASSERT_TRUE(std::find(taken->begin(), taken->end(), payment) != taken->end());
  Watcher w(scope);
  w.watch.run_once();
  EXPECT_TRUE(about(w.published, payment).empty()) << "still under the dead worker's lease";
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  w.watch.run_once();
  const auto out = about(w.published, payment);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(boost::json::parse(out[0].value).at("kind").as_string(),
            "AUTHORIZATION_EXPIRING_UNCAPTURED");
  EXPECT_GE(w.watch.expiring_within_24h(), 1);
}

TEST(DeadlineWatch, AnAnomalyLeftInTheOutboxIsPublishedByTheWatch) {
  const std::string scope = "test.watch." + random_hex(4);
  RedisLedgerStore store(redis_settings(), scope);
  const std::string payment = "pay-watch-" + random_hex(3);
  // A completion wrote an anomaly and died before publishing it; it asked the watch to look now.
  ASSERT_EQ(
      store
          .update_ledger(
              payment, {"", "{}", 600, now_ms() - 1, std::nullopt, {{"A-" + payment, "{\"x\":1}"}}})
          .value(),
      LedgerWrite::recorded);
  Watcher w(scope);
  w.watch.run_once();
  const auto out = about(w.published, payment);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, "{\"x\":1}");
  EXPECT_TRUE(store.read_ledger(payment)->outbox.empty());
}

// The ledger seam's failures are values that say which failure: a Redis that does not answer
// is `unavailable` (ask again later), never an empty answer the watch would act on; an error
// reply (here a ledger key of the wrong type) is `bad_reply`.
TEST(RedisLedgerStore, FailuresAreUnavailableOrBadReplyNotEmptyAnswers) {
  RedisSettings nowhere = redis_settings();
  nowhere.host = "127.0.0.1";
  nowhere.port = 1;  // nothing listens on port 1
  nowhere.tls = nullptr;
  RedisLedgerStore unreachable(nowhere, "test.watch." + random_hex(4));
  const auto due = unreachable.take_due(now_ms(), 1000, 10);
  ASSERT_FALSE(due.has_value());
  EXPECT_EQ(due.error(), StoreError::unavailable);
  EXPECT_EQ(unreachable.count_expiring(0, now_ms()).error(), StoreError::unavailable);

  const std::string scope = "test.watch." + random_hex(4);
  const std::string payment = "pay-watch-" + random_hex(3);
  RedisConnection redis(redis_settings());
  ASSERT_TRUE(redis.command({"HSET", ledger_key(payment), "not", "a string"}));
  RedisLedgerStore store(redis_settings(), scope);
  const auto written =
      store.update_ledger(payment, {"", "{}", 600, std::nullopt, std::nullopt, {}});
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error(), StoreError::bad_reply);
  EXPECT_EQ(written.error().category().name(), std::string("paynotify.store"));
  redis.command({"DEL", ledger_key(payment)});
}

}  // namespace
}  // namespace paynotify::worker
