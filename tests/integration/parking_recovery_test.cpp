// Redis losing its data, against the real broker and Redis: claims stop at once, the parking is
// rebuilt from the retry topic past the group's committed offsets, and rebuilt parkings whose
// record had finished before the loss are lifted. FLUSHALLs the shared Redis: RUN_SERIAL.
#include "worker/parking_recovery.hpp"

#include <gtest/gtest.h>

#include <future>

#include "common/antom/notification_signer.hpp"
#include "common/kafka/kafka_producer.hpp"
#include "common/kafka/record_headers.hpp"
#include "common/kafka/topic_reader.hpp"
#include "common/service/ids.hpp"
#include "tests/support/ingest_harness.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/test_keys.hpp"
#include "tests/support/wait.hpp"
#include "worker/payment_event.hpp"
#include "worker/redis/redis_dedupe_store.hpp"
#include "worker/redis/redis_parking_store.hpp"

namespace paynotify::worker {
namespace {

using testing::kafka_brokers;
using testing::redis_settings;

// The event a body becomes, as the worker keys it.
EventKey key_of(const std::string& body) {
  const auto d = derive_event(body, 0);
  return {d.event->order_key, d.event->event_id};
}

// One worker's view: its recovery and a store that trusts what the recovery adopted.
struct WorkerSide {
  WorkerSide(const std::string& retry_topic, const std::string& group, const std::string& owner,
             std::shared_ptr<const KeyRegistry> record_keys = nullptr)
      : recovery({kafka_brokers(),
                  {},
                  group,
                  retry_topic,
                  retry_topic,
                  600,
                  owner,
                  std::chrono::seconds(30),
                  std::chrono::seconds(30),
                  std::chrono::milliseconds(0),
                  std::move(record_keys)},
                 std::make_unique<RedisParkingStore>(redis_settings(), retry_topic), generation,
                 {rebuilds, restored, kept, lifted}),
        store(redis_settings(), generation, retry_topic),
        parking(redis_settings(), retry_topic) {}
  MetricsRegistry registry;
  Counter& rebuilds = registry.counter("rebuilds_total", "");
  Counter& restored = registry.counter("restored_total", "");
  Counter& kept = registry.counter("kept_total", "");
  Counter& lifted = registry.counter("lifted_total", "");
  std::shared_ptr<StoreGeneration> generation = std::make_shared<StoreGeneration>();
  ParkingRecovery recovery;
  RedisDedupeStore store;
  RedisParkingStore parking;
};

class RedisDataLoss : public ::testing::Test {
 protected:
  void SetUp() override {
    retry_topic = testing::fresh_topic("test.recovery.retry", 1);
    group = "recovery-" + random_hex(4);
  }
  void produce(const std::string& key, const std::string& body) {
    std::promise<DeliveryResult> delivered;
    producer.publish({retry_topic, key, body, {}},
                     [&](const DeliveryResult& r) { delivered.set_value(r); });
    ASSERT_TRUE(delivered.get_future().get().has_value());
  }
  // The group has finished every retry record below `offset`.
  void commit_below(int64_t offset) {
    ConsumedRecord last;
    last.topic = retry_topic;
    last.partition = 0;
    last.offset = offset - 1;
    commit_read_position(kafka_brokers(), {{"group.id", group}}, {last});
  }
  static void flushall() { ASSERT_TRUE(RedisConnection(redis_settings()).command({"FLUSHALL"})); }

  std::string retry_topic, group;
  KafkaProducer producer{{.brokers = kafka_brokers(),
                          .queue_max_messages = 1000,
                          .linger_ms = 0,
                          .client_id = "test"}};
};

TEST_F(RedisDataLoss, ClaimsStopTheMomentTheGenerationVanishes) {
  WorkerSide w(retry_topic, group, "w1");
  flushall();
  // On a broker just started, the group coordinator may still be loading: the rebuild gives up
  // ("Not coordinator") and the worker's health thread looks again, as this does.
  ASSERT_TRUE(testing::wait_until([&] { return w.recovery.check() && w.generation->trusted(); },
                                  std::chrono::seconds(30)));
  const double at_start = w.rebuilds.Value();  // an empty Redis at the start: one, or more
  ASSERT_GE(at_start, 1u);
  const EventKey e{"pay-" + random_hex(4), "E1"};
  EXPECT_EQ(w.store.claim(e, "w1", 5000).value(), ClaimOutcome::claimed);
  flushall();
  EXPECT_EQ(w.store.claim({e.order_key, "E2"}, "w1", 5000).error(), StoreError::untrusted)
      << "checked inside the script";
  EXPECT_FALSE(w.generation->trusted());
  EXPECT_NE(w.generation->distrust_reason().find("lost its data"), std::string::npos)
      << w.generation->distrust_reason();
  ASSERT_TRUE(w.recovery.check());  // an empty retry topic: nothing to re-park
  EXPECT_TRUE(w.generation->trusted());
  EXPECT_EQ(w.rebuilds.Value(), at_start + 1) << "one more rebuild after the loss";
  EXPECT_EQ(w.store.claim({e.order_key, "E2"}, "w1", 5000).value(), ClaimOutcome::claimed);
}

TEST_F(RedisDataLoss, TheParkingIsRebuiltFromTheRetryRecordsPastTheCommittedOffset) {
  const std::string run = random_hex(3);
  const std::string p1 = "pay-a-" + run, p2 = "pay-b-" + run, p3 = "pay-c-" + run,
                    p4 = "pay-d-" + run;
  produce(p1, testing::payment_result_body(p1));  // 0: finished and committed before the loss
  produce(p2, testing::payment_result_body(p2));  // 1: waiting for its retry
  produce(p3, testing::payment_result_body(p3));  // 2: finished, not committed ...
  produce(p3,
          testing::capture_result_body(p3, "c1"));  // 3: ... then its capture parked: the live one
  produce("junk", "not json");                      // 4: never parked anything
  produce(p4, testing::payment_result_body(p4));    // 5: tried again since the loss, parked again
  commit_below(1);

  WorkerSide w(retry_topic, group, "w1");
  flushall();
  const EventKey p4_auth = key_of(testing::payment_result_body(p4));
  ASSERT_TRUE(
      RedisConnection(redis_settings()).command({"SET", parked_key(p4_auth), p4_auth.event_id}));
  ASSERT_TRUE(w.recovery.check());
  ASSERT_TRUE(w.generation->trusted());
  EXPECT_EQ(w.restored.Value(), 2) << "p2 and p3, each once";
  EXPECT_EQ(w.kept.Value(), 1) << "p4's live parking";
  EXPECT_EQ(w.store.claim(key_of(testing::capture_result_body(p4, "c1")), "w1", 5000).value(),
            ClaimOutcome::parked);
  EXPECT_EQ(w.store.claim(key_of(testing::capture_result_body(p1, "c1")), "w1", 5000).value(),
            ClaimOutcome::claimed)
      << "p1 is not parked";
  EXPECT_EQ(w.store.claim(key_of(testing::capture_result_body(p2, "c1")), "w1", 5000).value(),
            ClaimOutcome::parked);
  EXPECT_EQ(w.store.claim(key_of(testing::capture_result_body(p3, "c2")), "w1", 5000).value(),
            ClaimOutcome::parked);
  EXPECT_EQ(w.store.claim(key_of(testing::capture_result_body(p3, "c1")), "w1", 5000).value(),
            ClaimOutcome::claimed)
      << "the head's retry goes ahead";
}

// With --verify-records, a retry record whose signature does not verify parks nothing: a
// writer to the retry topic cannot hold a payment's events back through a rebuild.
TEST_F(RedisDataLoss, AForgedRetryRecordParksNothingWhenTheParkingIsRebuilt) {
  const std::string run = random_hex(3);
  const std::string genuine = "pay-g-" + run, forged = "pay-f-" + run;
  const std::string genuine_body = testing::payment_result_body(genuine);
  const auto s = sign_notification(testing::test_key(0).private_key.get(), "/n", testing::kClientId,
                                   iso8601_now(), genuine_body);
  std::promise<DeliveryResult> delivered;
  producer.publish({retry_topic,
                    genuine,
                    genuine_body,
                    {{std::string(header::kRequestUri), "/n"},
                     {std::string(header::kClientId), s.client_id},
                     {std::string(header::kRequestTime), s.request_time},
                     {std::string(header::kSignature), s.signature}}},
                   [&](const DeliveryResult& r) { delivered.set_value(r); });
  ASSERT_TRUE(delivered.get_future().get().has_value());
  produce(forged, testing::payment_result_body(forged));  // no signature
  auto keys = std::make_shared<KeyRegistry>();
  keys->add(testing::kClientId, "1", testing::test_key(0).pair.public_pem);
  WorkerSide w(retry_topic, group, "w1", keys);
  flushall();
  ASSERT_TRUE(w.recovery.check());
  EXPECT_EQ(w.restored.Value(), 1) << "the genuine record alone";
  EXPECT_EQ(w.store.claim(key_of(testing::capture_result_body(genuine, "c1")), "w1", 5000).value(),
            ClaimOutcome::parked);
  EXPECT_EQ(w.store.claim(key_of(testing::capture_result_body(forged, "c1")), "w1", 5000).value(),
            ClaimOutcome::claimed)
      << "the forged record parked its payment";
}

TEST_F(RedisDataLoss, ARebuiltParkingIsLiftedOnceItsRecordIsCommittedUnlessParkedAgain) {
  const std::string run = random_hex(3);
  const std::string p1 = "pay-a-" + run, p2 = "pay-b-" + run;
  produce(p1,
          testing::payment_result_body(p1));  // 0: had been applied; its commit was lost with Redis
  produce(p2, testing::payment_result_body(p2));  // 1: parks its payment again after the rebuild
  WorkerSide w(retry_topic, group, "w1");
  flushall();
  ASSERT_TRUE(w.recovery.check());
  ASSERT_EQ(w.restored.Value(), 2);
  const EventKey later1 = key_of(testing::capture_result_body(p1, "c1")),
                 later2 = key_of(testing::capture_result_body(p2, "c1"));
  ASSERT_EQ(w.store.claim(later1, "w1", 5000).value(), ClaimOutcome::parked);
  // p2's record runs again, fails, and is handed to the retry topic once more: a live parking.
  ASSERT_EQ(w.store.claim(key_of(testing::payment_result_body(p2)), "w1", 5000).value(),
            ClaimOutcome::claimed);
  ASSERT_TRUE(w.parking.park(key_of(testing::payment_result_body(p2)), 600));
  ASSERT_TRUE(w.recovery.check());
  EXPECT_EQ(w.lifted.Value(), 0) << "nothing committed yet";
  commit_below(2);
  ASSERT_TRUE(w.recovery.check());
  EXPECT_EQ(w.lifted.Value(), 1);
  EXPECT_EQ(w.store.claim(later1, "w1", 5000).value(), ClaimOutcome::claimed);
  EXPECT_EQ(w.store.claim(later2, "w1", 5000).value(), ClaimOutcome::parked)
      << "a parking made since the rebuild stays";
}

TEST_F(RedisDataLoss, OneWorkerRebuildsAndTheOthersAdoptItsGeneration) {
  const std::string p = "pay-" + random_hex(3);
  produce(p, testing::payment_result_body(p));
  WorkerSide a(retry_topic, group, "w-a"), b(retry_topic, group, "w-b");
  flushall();
  ASSERT_TRUE(RedisConnection(redis_settings())
                  .command({"SET", rebuild_lock_key(retry_topic), "w-c", "PX", "30000"}));
  ASSERT_TRUE(a.recovery.check());
  EXPECT_FALSE(a.generation->trusted()) << "another worker holds the rebuild lock";
  EXPECT_EQ(a.store.claim({p, "E2"}, "w-a", 5000).error(), StoreError::untrusted);
  ASSERT_TRUE(RedisConnection(redis_settings())
                  .command({"DEL", rebuild_lock_key(retry_topic)}));  // w-c died
  ASSERT_TRUE(a.recovery.check());
  ASSERT_TRUE(a.generation->trusted());
  ASSERT_TRUE(b.recovery.check());
  EXPECT_TRUE(b.generation->trusted());
  EXPECT_EQ(b.generation->value(), a.generation->value());
  EXPECT_EQ(a.rebuilds.Value() + b.rebuilds.Value(), 1);
  EXPECT_EQ(b.store.claim(key_of(testing::capture_result_body(p, "c1")), "w-b", 5000).value(),
            ClaimOutcome::parked);
}

// A restart with AOF, or a failover to a replica, keeps the key but may lose the last writes:
// a new connection that finds another server distrusts before its first claim.
TEST_F(RedisDataLoss, AGenerationMintedUnderAnotherServerRunIsNotTrusted) {
  const std::string stale = "x@an-earlier-run";
  ASSERT_TRUE(
      RedisConnection(redis_settings()).command({"SET", generation_key(retry_topic), stale}));
  auto g = std::make_shared<StoreGeneration>();
  g->adopt(stale, "an-earlier-run");
  RedisDedupeStore store(redis_settings(), g, retry_topic);
  EXPECT_EQ(store.claim({"pay-" + random_hex(3), "E1"}, "w", 5000).error(), StoreError::untrusted);
  EXPECT_NE(g->distrust_reason().find("run_id changed"), std::string::npos) << g->distrust_reason();
  WorkerSide w(retry_topic, group, "w1");
  ASSERT_TRUE(w.recovery.check());
  EXPECT_EQ(w.rebuilds.Value(), 1) << "the key alone does not vouch for a restarted server";
}

}  // namespace
}  // namespace paynotify::worker
