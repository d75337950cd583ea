// The deadline watch's own decisions, on the in-memory LedgerStore: what it reports, once, and
// what it does when the store does not answer. Its Redis side (two workers, leases, the outbox)
// is in tests/integration/deadline_watch_test.cpp.
#include "worker/deadline_watch.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <functional>

#include "tests/support/in_memory_store.hpp"
#include "tests/support/ledgers.hpp"
#include "worker/ledger_write.hpp"

namespace paynotify::worker {
namespace {

constexpr int64_t kHour = 3600 * 1000;

// Antom's side of reconciliation, scripted: what each ask answers, and who was asked about.
struct ScriptedInquiry final : PaymentInquiry {
  std::vector<std::string> asked;
  InquiryOutcome next{InquiryOutcome::Asked::answered, {}};
  std::function<void()> meanwhile;  // what else happens while Antom is asked
  InquiryOutcome ask(const std::string& payment_id) override {
    asked.push_back(payment_id);
    if (meanwhile) meanwhile();
    return next;
  }
};

constexpr int64_t kReconcileAfter = kHour / 2;

// An answer that contradicts the stored authorization: Antom says it failed.
InquiryOutcome antom_says_authorization_failed(const std::string& payment) {
  LedgerFacts failed;
  failed.effect = LedgerEffect::fail_authorization;
  failed.event_id = "PAYMENT_RESULT:" + payment + ":F";
  failed.payment_id = payment;
  return {InquiryOutcome::Asked::answered, {failed}};
}

DeadlineWatchSettings watch_settings(int64_t reconcile_after_ms,
                                     std::chrono::milliseconds inquiry_time) {
  DeadlineWatchSettings s{"anomalies", 24 * kHour, 600, std::chrono::milliseconds(1000), 60000, 50};
  s.reconcile_after_ms = reconcile_after_ms;
  s.inquiries_per_pass = 2;
  s.inquiry_time_per_pass = inquiry_time;
  return s;
}

struct Watch {
  MetricsRegistry registry;
  WorkerMetrics metrics{registry};
  testing::RecordingPublisher published;
  DeadlineWatch watch;
  explicit Watch(std::unique_ptr<LedgerStore> store, ScriptedInquiry* inquiry = nullptr,
                 std::chrono::milliseconds inquiry_time = std::chrono::seconds(15))
      : watch(watch_settings(inquiry != nullptr ? kReconcileAfter : 0, inquiry_time),
              std::move(store), published, metrics, testing::wall_now_ms, inquiry) {}
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

TEST(DeadlineWatchDecisions, ReconciliationAsksOnceWhenDueAndAgainOnlyAfterNoAnswer) {
  auto store = std::make_unique<testing::InMemoryStore>();
  testing::InMemoryStore& ledgers = *store;
  testing::store_authorization(ledgers, "p-old", 2 * kHour, 24 * kHour, kReconcileAfter);
  testing::store_authorization(ledgers, "p-young", kHour / 4, 24 * kHour, kReconcileAfter);
  ScriptedInquiry antom;
  Watch w(std::move(store), &antom);
  EXPECT_EQ(w.watch.run_once(), 1u);
  EXPECT_EQ(antom.asked, std::vector<std::string>{"p-old"}) << "the young one is not due yet";
  EXPECT_EQ(w.watch.run_once(), 0u) << "answered: not due again until before its warning";
  EXPECT_EQ(antom.asked.size(), 1u);
  EXPECT_TRUE(w.published.published("anomalies").empty());

  // No answer: asked again kInquiryRetryAfterMs later, not at every pass.
  testing::store_authorization(ledgers, "p-unanswered", 2 * kHour, 24 * kHour, kReconcileAfter);
  antom.next = {InquiryOutcome::Asked::unanswered, {}};
  EXPECT_EQ(w.watch.run_once(), 1u);
  EXPECT_EQ(w.watch.run_once(), 0u);
  EXPECT_EQ(antom.asked, (std::vector<std::string>{"p-old", "p-unanswered"}));
  const auto next = ledgers.next_deadline("p-unanswered");
  ASSERT_TRUE(next && *next);
  EXPECT_GT(**next, testing::wall_now_ms() + kInquiryRetryAfterMs - 60000);
}

TEST(DeadlineWatchDecisions, AnAnswerThatContradictsTheLedgerIsPublishedAsAnAnomaly) {
  auto store = std::make_unique<testing::InMemoryStore>();
  testing::store_authorization(*store, "p-disputed", 2 * kHour, 24 * kHour, kReconcileAfter);
  ScriptedInquiry antom;
  antom.next = antom_says_authorization_failed("p-disputed");
  Watch w(std::move(store), &antom);
  EXPECT_EQ(w.watch.run_once(), 1u);
  const auto out = testing::anomalies_about(w.published, "p-disputed");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(boost::json::parse(out[0].value).at("kind").as_string(), "INQUIRY_DISAGREES");
}

TEST(DeadlineWatchDecisions, APassAsksNoMoreThanItsShareAndTheRestWaitForTheNext) {
  auto store = std::make_unique<testing::InMemoryStore>();
  for (const char* p : {"p-1", "p-2", "p-3"})
    testing::store_authorization(*store, p, 2 * kHour, 24 * kHour, kReconcileAfter);
  ScriptedInquiry antom;
  Watch w(std::move(store), &antom);  // inquiries_per_pass 2
  EXPECT_EQ(w.watch.run_once(), 3u);
  EXPECT_EQ(antom.asked.size(), 2u);
  EXPECT_EQ(w.watch.run_once(), 1u) << "the third is still due";
  EXPECT_EQ(antom.asked.size(), 3u);
  EXPECT_EQ(w.watch.run_once(), 0u);
}

// A pass that has used its time for inquiries, or a watch that is stopping, asks no more: the
// payment is checked for nothing (its warning waits for the inquiry) and comes due again at once.
TEST(DeadlineWatchDecisions, NoInquiryStartsPastThePassesTimeOrOnceStopping) {
  for (const bool stopping : {false, true}) {
    auto store = std::make_unique<testing::InMemoryStore>();
    testing::InMemoryStore& ledgers = *store;
    // Expired: without the inquiry the watch would report it.
    testing::store_authorization(ledgers, "p-late", 8 * 24 * kHour, 24 * kHour, kReconcileAfter);
    ScriptedInquiry antom;
    Watch w(std::move(store), &antom,
            stopping ? std::chrono::milliseconds(15000) : std::chrono::milliseconds(0));
    if (stopping) w.watch.stop();
    EXPECT_EQ(w.watch.run_once(), 1u);
    EXPECT_TRUE(antom.asked.empty());
    EXPECT_TRUE(w.published.published("anomalies").empty()) << "the expiry waits for the inquiry";
    const auto next = ledgers.next_deadline("p-late");
    ASSERT_TRUE(next && *next);
    EXPECT_LE(**next, testing::wall_now_ms()) << "due again at once";
  }
}

// The engine completes an event of the payment while Antom is asked: the watch's write finds
// the ledger changed, reads it again and plans with the same answer, asking once.
TEST(DeadlineWatchDecisions, ALedgerChangedWhileAntomIsAskedIsPlannedAgainWithTheSameAnswer) {
  auto store = std::make_unique<testing::InMemoryStore>();
  testing::InMemoryStore& ledgers = *store;
  testing::store_authorization(ledgers, "p-busy", 2 * kHour, 24 * kHour, kReconcileAfter);
  ScriptedInquiry antom;
  antom.next = antom_says_authorization_failed("p-busy");
  antom.meanwhile = [&] {
    const auto read = ledgers.read_ledger("p-busy").value();
    auto ledger = *ledger_from_text(read.text);
    ledger.disputes_open.push_back("D-meanwhile");  // any change the engine's completion makes
    ledgers.update_ledger("p-busy", ledger_update(read.text, LedgerStep{ledger, {}}, 600,
                                                  24 * kHour, kReconcileAfter));
  };
  Watch w(std::move(store), &antom);
  EXPECT_EQ(w.watch.run_once(), 1u);
  EXPECT_EQ(antom.asked.size(), 1u);
  const auto out = testing::anomalies_about(w.published, "p-busy");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(boost::json::parse(out[0].value).at("kind").as_string(), "INQUIRY_DISAGREES");
  const auto stored = ledger_from_text(ledgers.read_ledger("p-busy").value().text);
  ASSERT_TRUE(stored);
  EXPECT_GT(stored->inquired_at_ms, 0) << "noted";
  EXPECT_EQ(stored->disputes_open, std::vector<std::string>{"D-meanwhile"}) << "kept";
}

// An operator's mark: asked about whatever the ledger holds (here: nothing), the mark cleared
// once Antom answered, kept while it does not.
TEST(DeadlineWatchDecisions, AMarkedPaymentIsAskedAboutAndItsMarkClearedOnceAnswered) {
  auto store = std::make_unique<testing::InMemoryStore>();
  testing::InMemoryStore& ledgers = *store;
  const int64_t now = testing::wall_now_ms();
  ASSERT_TRUE(ledgers.mark_for_inquiry("p-unknown", now - 1).has_value());
  ASSERT_TRUE(ledgers.mark_for_inquiry("p-silent", now - 1).has_value());
  ScriptedInquiry antom;
  antom.meanwhile = [&] {
    antom.next = antom.asked.back() == "p-silent"
                     ? InquiryOutcome{InquiryOutcome::Asked::unanswered, {}}
                     : InquiryOutcome{InquiryOutcome::Asked::answered, {}};
  };
  Watch w(std::move(store), &antom);
  w.watch.run_once();
  EXPECT_EQ(antom.asked, (std::vector<std::string>{"p-silent", "p-unknown"}));
  EXPECT_EQ(ledgers.read_ledger("p-unknown").value().text, "") << "no ledger made for it";
  // Past the lease: the unanswered one is taken again, the answered one is not.
  EXPECT_EQ(ledgers.take_marked(now + 61000, 60000, 10).value(),
            std::vector<std::string>{"p-silent"});
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
