// The deadline watch's own decisions, on the in-memory LedgerStore: what it reports, once, and
// what it does when the store does not answer. Its Redis side (two workers, leases, the outbox)
// is in tests/integration/deadline_watch_test.cpp.
#include "worker/deadline_watch.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "tests/support/in_memory_store.hpp"
#include "tests/support/ledgers.hpp"

namespace paynotify::worker {
namespace {

constexpr int64_t kHour = 3600 * 1000;

struct Watch {
  MetricsRegistry registry;
  WorkerMetrics metrics{registry};
  testing::RecordingPublisher published;
  DeadlineWatch watch;
  explicit Watch(std::unique_ptr<LedgerStore> store)
      : watch({"anomalies", 24 * kHour, 600, std::chrono::milliseconds(1000), 60000, 50},
              std::move(store), published, metrics, testing::wall_now_ms) {}
};

TEST(DeadlineWatchDecisions, AnExpiredAuthorizationIsReportedOnceThenLeftAlone) {
  auto store = std::make_unique<testing::InMemoryStore>();
  testing::store_authorization(*store, "p-expired", 8 * 24 * kHour, 24 * kHour);
  testing::store_authorization(*store, "p-fresh", 1 * kHour, 24 * kHour);  // 6 days 23 h left
  Watch w(std::move(store));
  EXPECT_EQ(w.watch.run_once(), 1u) << "only the expired one is due";
  const auto out = testing::anomalies_about(w.published, "p-expired");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(boost::json::parse(out[0].value).at("kind").as_string(),
            "AUTHORIZATION_EXPIRED_UNCAPTURED");
  EXPECT_EQ(w.watch.run_once(), 0u) << "reported: off the watch";
  EXPECT_EQ(testing::anomalies_about(w.published, "p-expired").size(), 1u);
  EXPECT_TRUE(testing::anomalies_about(w.published, "p-fresh").empty());
  EXPECT_EQ(w.watch.expiring_later(), 1) << "the fresh one, counted by its expiry";
}

TEST(DeadlineWatchDecisions, AStoreThatDoesNotAnswerIsAPassWithNothingTakenOrPublished) {
  auto down = std::make_unique<testing::InMemoryStore>();
  down->down = true;  // answers nothing, as Redis down does
  Watch w(std::move(down));
  EXPECT_EQ(w.watch.run_once(), std::nullopt);
  EXPECT_TRUE(w.published.published("anomalies").empty());
}

}  // namespace
}  // namespace paynotify::worker
