// The claim/complete scripts, and park/release/unpark beside them, against the real Redis that
// tests/run.sh starts.
#include "worker/redis/redis_dedupe_store.hpp"
#include "worker/redis/redis_ledger_store.hpp"
#include "worker/redis/redis_parking_store.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "common/service/ids.hpp"
#include "tests/support/redis_fixture.hpp"

namespace paynotify::worker {
namespace {

using testing::plain_redis_settings;
using testing::redis_settings;
using testing::trusted_generation;

// The values of results that must all have one.
template <typename T>
std::vector<T> values(std::vector<StoreResult<T>> results) {
  std::vector<T> out;
  for (auto& r : results) out.push_back(std::move(r).value());
  return out;
}

// A store as the worker makes one: trusting the generation Redis holds; its parking and ledgers
// on the same Redis.
struct Store {
  explicit Store(const RedisSettings& s = redis_settings())
      : store(s, trusted_generation()), parking(s, kScope), ledgers(s, kScope) {}
  RedisDedupeStore* operator->() { return &store; }
  static constexpr const char* kScope = "antom.notifications";
  RedisDedupeStore store;
  RedisParkingStore parking;
  RedisLedgerStore ledgers;
};

TEST(RedisDedupe, ClaimCompleteAndDuplicates) {
  Store a, b;
  const EventKey e{"pay-" + random_hex(4), "PAYMENT_RESULT:x:S"};
  EXPECT_EQ(a->claim(e, "owner-a", 5000).value(), ClaimOutcome::claimed);
  EXPECT_EQ(b->claim(e, "owner-b", 5000).value(), ClaimOutcome::busy);     // a live lease elsewhere
  EXPECT_EQ(a->claim(e, "owner-a", 5000).value(), ClaimOutcome::claimed);  // the owner may re-claim
  EXPECT_TRUE(a->complete(e, "owner-a", 60));
  EXPECT_EQ(b->claim(e, "owner-b", 5000).value(), ClaimOutcome::done);
}

TEST(RedisDedupe, AnExpiredLeaseCanBeTakenOver) {
  Store a, b;
  const EventKey e{"pay-" + random_hex(4), "E1"};
  EXPECT_EQ(a->claim(e, "owner-a", 1000).value(), ClaimOutcome::claimed);  // then owner-a "crashes"
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(b->claim(e, "owner-b", 5000).value(), ClaimOutcome::claimed);
}

TEST(RedisDedupe, ReleaseLetsAnotherOwnerClaim) {
  Store a, b;
  const EventKey e{"pay-" + random_hex(4), "E1"};
  ASSERT_EQ(a->claim(e, "owner-a", 5000).value(), ClaimOutcome::claimed);
  EXPECT_TRUE(b.parking.release(e, "owner-b"));  // not b's lease: nothing happens
  EXPECT_EQ(b->claim(e, "owner-b", 5000).value(), ClaimOutcome::busy);
  EXPECT_TRUE(a.parking.release(e, "owner-a"));
  EXPECT_EQ(b->claim(e, "owner-b", 5000).value(), ClaimOutcome::claimed);
}

TEST(RedisDedupe, AParkedEventHoldsBackLaterEventsOfItsPaymentOnly) {
  Store s;
  const std::string payment = "pay-" + random_hex(4);
  const EventKey first{payment, "E1"}, second{payment, "E2"}, other{"pay-" + random_hex(4), "E3"};
  ASSERT_EQ(s->claim(first, "w", 5000).value(), ClaimOutcome::claimed);
  ASSERT_TRUE(s.parking.park(first, 60));
  ASSERT_TRUE(s.parking.release(first, "w"));
  EXPECT_EQ(s->claim(second, "w", 5000).value(), ClaimOutcome::parked);
  EXPECT_EQ(s->claim(other, "w", 5000).value(), ClaimOutcome::claimed);
  EXPECT_EQ(s->claim(first, "w2", 5000).value(), ClaimOutcome::claimed);  // its retry goes ahead
  ASSERT_TRUE(s->complete(first, "w2", 60));                              // and lifts the parking
  EXPECT_EQ(s->claim(second, "w", 5000).value(), ClaimOutcome::claimed);
}

TEST(RedisDedupe, DeadLetteringLiftsTheParking) {
  Store s;
  const std::string payment = "pay-" + random_hex(4);
  const EventKey first{payment, "E1"}, second{payment, "E2"};
  ASSERT_EQ(s->claim(first, "w", 5000).value(), ClaimOutcome::claimed);
  ASSERT_TRUE(s.parking.park(first, 60));
  ASSERT_TRUE(s.parking.unpark(first, "w"));
  EXPECT_EQ(s->claim(second, "w", 5000).value(), ClaimOutcome::claimed);
}

TEST(RedisDedupe, ParkingAnAlreadyAppliedEventIsRefused) {
  Store s;
  const EventKey e{"pay-" + random_hex(4), "E1"}, later{e.order_key, "E2"};
  ASSERT_EQ(s->claim(e, "w", 5000).value(), ClaimOutcome::claimed);
  ASSERT_TRUE(s->complete(e, "w", 60));
  ASSERT_TRUE(s.parking.park(e, 60));
  EXPECT_EQ(s->claim(later, "w", 5000).value(), ClaimOutcome::claimed);
}

TEST(RedisDedupe, KeysShareThePaymentsHashTag) {
  const EventKey e{"P1", "CAPTURE_RESULT:P1:C1:S"};
  EXPECT_EQ(event_state_key(e), "paynotify:{P1}:event:CAPTURE_RESULT:P1:C1:S");
  EXPECT_EQ(parked_key(e), "paynotify:{P1}:parked");
  EXPECT_EQ(parked_at_key(e), "paynotify:{P1}:parked-at");
}

TEST(RedisDedupe, AnUnreachableServerIsUnavailableNotAnError) {
  RedisSettings dead = redis_settings();
  dead.port = 1;
  Store s(dead);
  EXPECT_EQ(s->claim({"p", "e"}, "w", 1000).error(), StoreError::unavailable);
  EXPECT_EQ(s.parking.park({"p", "e"}, 60).error(), StoreError::unavailable);
  EXPECT_FALSE(s.parking.failure_detail().empty());
}

TEST(RedisDedupe, TheLedgerIsWrittenWithTheCompletionOnlyIfUnchangedAndOnlyOnce) {
  Store s;
  RedisConnection redis(redis_settings());
  const std::string payment = "pay-" + random_hex(4);
  const EventKey auth{payment, "PAYMENT_RESULT:" + payment + ":S"},
      capture{payment, "CAPTURE:" + payment + ":c1"};
  ASSERT_EQ(s->claim(auth, "w", 5000).value(), ClaimOutcome::claimed);
  const auto empty = s.ledgers.read_ledger(payment);
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->text, "");
  EXPECT_EQ(
      s->complete_with_ledger(auth, "w", 60, {"", "L1", 600, 1234, 5678, {{"A1", "{\"a\":1}"}}})
          .value(),
      LedgerWrite::recorded);
  EXPECT_EQ(s->claim(auth, "w", 5000).value(), ClaimOutcome::done);
  const auto after = s.ledgers.read_ledger(payment);
  EXPECT_EQ(after->text, "L1");
  ASSERT_EQ(after->outbox.size(), 1u);
  EXPECT_EQ(after->outbox[0], (std::pair<std::string, std::string>{"A1", "{\"a\":1}"}));
  EXPECT_EQ(redis.command({"ZSCORE", ledger_deadlines_key("antom.notifications"), payment})->text,
            "1234");
  EXPECT_EQ(redis.command({"ZSCORE", ledger_uncaptured_key("antom.notifications"), payment})->text,
            "5678");
  // Another event of the payment, written against a ledger that changed since it was read.
  ASSERT_EQ(s->claim(capture, "w", 5000).value(), ClaimOutcome::claimed);
  EXPECT_EQ(
      s->complete_with_ledger(capture, "w", 60, {"", "L2", 600, std::nullopt, std::nullopt, {}})
          .value(),
      LedgerWrite::changed_meanwhile);
  EXPECT_EQ(s->claim(capture, "w", 5000).value(), ClaimOutcome::claimed)
      << "not done: the event is not recorded either";
  EXPECT_EQ(
      s->complete_with_ledger(capture, "w", 60, {"L1", "L2", 600, std::nullopt, std::nullopt, {}})
          .value(),
      LedgerWrite::recorded);
  EXPECT_EQ(redis.command({"ZSCORE", ledger_deadlines_key("antom.notifications"), payment})->type,
            RedisValue::Type::nil)
      << "off the watch";
  EXPECT_EQ(redis.command({"ZSCORE", ledger_uncaptured_key("antom.notifications"), payment})->type,
            RedisValue::Type::nil);
  // The same event completed again (a worker that lost its lease): the ledger is not touched.
  EXPECT_EQ(
      s->complete_with_ledger(capture, "w2", 60, {"L2", "L3", 600, std::nullopt, std::nullopt, {}})
          .value(),
      LedgerWrite::recorded);
  EXPECT_EQ(s.ledgers.read_ledger(payment)->text, "L2");
  EXPECT_TRUE(s.ledgers.clear_outbox(payment, "A1"));
  EXPECT_TRUE(s.ledgers.read_ledger(payment)->outbox.empty());
  EXPECT_GT(redis.command({"TTL", ledger_key(payment)})->integer, 590);
}

// The claim of an event the ledger follows brings the ledger and its outbox back in the same
// round trip, and only when it claims.
TEST(RedisDedupe, AClaimWithTheLedgerReadsItOnlyWhenItClaims) {
  Store s;
  const std::string payment = "pay-" + random_hex(4);
  const EventKey auth{payment, "PAYMENT_RESULT:" + payment + ":S"},
      capture{payment, "CAPTURE:" + payment + ":c1"};
  LedgerClaim first = s->claim_with_ledger(auth, "w", 5000).value();
  ASSERT_EQ(first.outcome, ClaimOutcome::claimed);
  ASSERT_TRUE(first.ledger.has_value());
  EXPECT_EQ(first.ledger->text, "") << "none yet";
  EXPECT_TRUE(first.ledger->outbox.empty());
  EXPECT_EQ(s->claim_with_ledger(auth, "w2", 5000).value().outcome, ClaimOutcome::busy);
  EXPECT_FALSE(s->claim_with_ledger(auth, "w2", 5000).value().ledger.has_value());
  ASSERT_EQ(
      s->complete_with_ledger(
           auth, "w", 60, {"", "L1", 600, std::nullopt, std::nullopt, {{"A1", "{}"}, {"A2", "[]"}}})
          .value(),
      LedgerWrite::recorded);
  EXPECT_EQ(s->claim_with_ledger(auth, "w", 5000).value().outcome, ClaimOutcome::done);
  const LedgerClaim second = s->claim_with_ledger(capture, "w", 5000).value();
  ASSERT_EQ(second.outcome, ClaimOutcome::claimed);
  ASSERT_TRUE(second.ledger.has_value());
  EXPECT_EQ(second.ledger->text, "L1");
  EXPECT_EQ(second.ledger->outbox, (AnomalyOutbox{{"A1", "{}"}, {"A2", "[]"}}));
  EXPECT_EQ(
      s->complete_with_ledger(capture, "w", 60, {"L1", "L2", 600, std::nullopt, std::nullopt, {}})
          .value(),
      LedgerWrite::recorded);
}

// Each request of a batch gets its own answer: claims that find their events fresh, done,
// leased elsewhere and parked; completions plain and with the ledger, one of them against a
// ledger that moved.
TEST(RedisDedupe, ABatchAnswersEachRequestOnItsOwn) {
  Store s, other;
  const std::string p1 = "pay-" + random_hex(4), p2 = "pay-" + random_hex(4),
                    p3 = "pay-" + random_hex(4);
  const EventKey fresh{p1, "E1"}, done{p1, "E0"}, busy{p3, "E2"}, parked{p2, "E3"},
      parker{p2, "E4"};
  ASSERT_EQ(s->claim(done, "w", 5000).value(), ClaimOutcome::claimed);
  ASSERT_TRUE(s->complete(done, "w", 60));
  ASSERT_EQ(other->claim(busy, "x", 5000).value(), ClaimOutcome::claimed);
  ASSERT_EQ(s->claim(parker, "w", 5000).value(), ClaimOutcome::claimed);
  ASSERT_TRUE(s.parking.park(parker, 60));
  const std::vector<ClaimRequest> claims = {{fresh, "w", 5000, true},
                                            {done, "w", 5000, false},
                                            {busy, "w", 5000, false},
                                            {parked, "w", 5000, true}};
  const std::vector<LedgerClaim> claimed = values(s->claim_batch(claims));
  ASSERT_EQ(claimed.size(), 4u);
  EXPECT_EQ(claimed[0].outcome, ClaimOutcome::claimed);
  ASSERT_TRUE(claimed[0].ledger.has_value()) << "asked with the ledger";
  EXPECT_EQ(claimed[1].outcome, ClaimOutcome::done);
  EXPECT_EQ(claimed[2].outcome, ClaimOutcome::busy);
  EXPECT_EQ(claimed[3].outcome, ClaimOutcome::parked);
  EXPECT_FALSE(claimed[3].ledger.has_value());

  const auto ledger = std::make_shared<const LedgerUpdate>(
      LedgerUpdate{"", "L1", 600, std::nullopt, std::nullopt, {}});
  const auto stale = std::make_shared<const LedgerUpdate>(
      LedgerUpdate{"L0", "L9", 600, std::nullopt, std::nullopt, {}});
  const std::vector<CompleteRequest> completions = {
      {fresh, "w", 60, ledger}, {busy, "x", 60, nullptr}, {parker, "w", 60, stale}};
  EXPECT_EQ(values(s->complete_batch(completions)),
            (std::vector<LedgerWrite>{LedgerWrite::recorded, LedgerWrite::recorded,
                                      LedgerWrite::changed_meanwhile}));
  EXPECT_EQ(s.ledgers.read_ledger(p1)->text, "L1");
  EXPECT_EQ(s->claim(busy, "w", 5000).value(), ClaimOutcome::done);
  EXPECT_EQ(s->claim(parked, "w", 5000).value(), ClaimOutcome::parked)
      << "the stale write changed nothing, not the parking";
}

// After SCRIPT FLUSH (what a restarted Redis looks like to a connection's scripts) a batch
// loads its scripts and sends the calls again; one call's error reply fails that call alone.
TEST(RedisDedupe, ABatchSurvivesAFlushedScriptCacheAndAFailingCall) {
  Store s;
  RedisConnection admin(plain_redis_settings());
  const std::string payment = "pay-" + random_hex(4);
  const EventKey a{payment, "E1"}, b{payment, "E2"}, wrong{"pay-" + random_hex(4), "E3"};
  ASSERT_EQ(s->claim({payment, "warm-up"}, "w", 5000).value(),
            ClaimOutcome::claimed);  // scripts loaded
  ASSERT_TRUE(admin.command({"SCRIPT", "FLUSH"}));
  ASSERT_TRUE(
      admin.command({"HSET", event_state_key(wrong), "not", "a string"}));  // GET fails: WRONGTYPE
  const std::vector<ClaimRequest> claims = {
      {a, "w", 5000, false}, {wrong, "w", 5000, false}, {b, "w", 5000, false}};
  const auto claimed = s->claim_batch(claims);
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_EQ(claimed[0].value().outcome, ClaimOutcome::claimed);
  EXPECT_EQ(claimed[1].error(), StoreError::bad_reply) << "WRONGTYPE";
  EXPECT_EQ(claimed[2].value().outcome, ClaimOutcome::claimed);
  EXPECT_EQ(s->claim(a, "w2", 5000).value(), ClaimOutcome::busy) << "really claimed in Redis";
  admin.command({"DEL", event_state_key(wrong)});

  // Some calls find their script and some do not: only those are sent again, and each reply
  // lands with its own call.
  ASSERT_TRUE(admin.command({"SCRIPT", "FLUSH"}));
  ASSERT_TRUE(s->complete(a, "w", 60));  // loads the plain completion's script only
  const std::string p2 = "pay-" + random_hex(4), p3 = "pay-" + random_hex(4);
  const EventKey c{p2, "E1"}, d{p3, "E1"};
  for (const auto& e : {b, c, d}) ASSERT_TRUE(s->claim(e, "w", 5000));
  const auto l2 = std::make_shared<const LedgerUpdate>(
      LedgerUpdate{"", "L-p2", 600, std::nullopt, std::nullopt, {}});
  const auto stale = std::make_shared<const LedgerUpdate>(
      LedgerUpdate{"L-old", "L-p3", 600, std::nullopt, std::nullopt, {}});
  const std::vector<CompleteRequest> completions = {
      {c, "w", 60, l2}, {b, "w", 60, nullptr}, {d, "w", 60, stale}};
  EXPECT_EQ(values(s->complete_batch(completions)),
            (std::vector<LedgerWrite>{LedgerWrite::recorded, LedgerWrite::recorded,
                                      LedgerWrite::changed_meanwhile}));
  EXPECT_EQ(s.ledgers.read_ledger(p2)->text, "L-p2");
  EXPECT_EQ(s.ledgers.read_ledger(p3)->text, "");
  for (const auto& e : {b, c}) EXPECT_EQ(s->claim(e, "w2", 5000).value(), ClaimOutcome::done);
  EXPECT_EQ(s->claim(d, "w", 5000).value(), ClaimOutcome::claimed)
      << "not done: its write was refused";
}

}  // namespace
}  // namespace paynotify::worker
