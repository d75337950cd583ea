// The parking, one contract for every ParkingStore: the tests' in-memory store and Redis
// (RedisParkingStore, beside the claims of RedisDedupeStore on the same Redis). Against the
// Redis tests/run.sh starts; tests/CMakeLists.txt runs the suite over TLS too. Each test has a
// scope and payments of its own.
#include "worker/store/parking_store.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "common/service/ids.hpp"
#include "tests/support/in_memory_store.hpp"
#include "tests/support/redis_fixture.hpp"
#include "worker/redis/redis_dedupe_store.hpp"
#include "worker/redis/redis_parking_store.hpp"

namespace paynotify::worker {
namespace {

// The parking, and claims to see it by.
struct Stores {
  std::shared_ptr<ParkingStore> parking;
  std::shared_ptr<DedupeStore> claims;
};

struct InMemory {
  static Stores make(const std::string&) {
    auto store = std::make_shared<testing::InMemoryStore>();
    return {store, store};
  }
};

struct Redis {
  static Stores make(const std::string& scope) {
    return {std::make_shared<RedisParkingStore>(testing::redis_settings(), scope),
            std::make_shared<RedisDedupeStore>(testing::redis_settings(),
                                               testing::trusted_generation(scope), scope)};
  }
};

template <typename Kind>
class ParkingStoreContract : public ::testing::Test {
 protected:
  const std::string scope_ = "test.parking." + random_hex(4);
  const std::string payment_ = "pay-parking-" + random_hex(4);
  Stores stores_ = Kind::make(scope_);
  ParkingStore& parking_ = *stores_.parking;

  ClaimOutcome claim(const EventKey& e) { return stores_.claims->claim(e, "w", 5000).value(); }
};

using Kinds = ::testing::Types<InMemory, Redis>;
TYPED_TEST_SUITE(ParkingStoreContract, Kinds);

TYPED_TEST(ParkingStoreContract, AParkingHoldsBackItsPaymentUntilItsOwnEventUnparksIt) {
  auto& parking = this->parking_;
  const EventKey first{this->payment_, "E1"}, later{this->payment_, "E2"},
      other{this->payment_ + "-other", "E3"};
  ASSERT_EQ(this->claim(first), ClaimOutcome::claimed);
  ASSERT_TRUE(parking.park(first, 60));
  ASSERT_TRUE(parking.release(first, "w"));
  EXPECT_EQ(this->claim(later), ClaimOutcome::parked);
  EXPECT_EQ(this->claim(other), ClaimOutcome::claimed) << "another payment waits for nothing";
  ASSERT_TRUE(parking.unpark(later, "w"));
  EXPECT_EQ(this->claim(later), ClaimOutcome::parked) << "only the parking's own event lifts it";
  ASSERT_TRUE(parking.unpark(first, "w"));
  EXPECT_EQ(this->claim(later), ClaimOutcome::claimed);
}

TYPED_TEST(ParkingStoreContract, AReleasedLeaseMayBeTakenButADoneEventParksNothing) {
  auto& parking = this->parking_;
  const EventKey e{this->payment_, "E1"}, later{this->payment_, "E2"};
  ASSERT_EQ(this->claim(e), ClaimOutcome::claimed);
  ASSERT_TRUE(parking.release(e, "w"));
  EXPECT_EQ(this->stores_.claims->claim(e, "another", 5000).value(), ClaimOutcome::claimed);
  ASSERT_TRUE(this->stores_.claims->complete(e, "another", 60));
  ASSERT_TRUE(parking.park(e, 60)) << "a retry that completed meanwhile";
  EXPECT_EQ(this->claim(later), ClaimOutcome::claimed);
}

TYPED_TEST(ParkingStoreContract, TheRebuildLockIsOneOwnersAndOnlyItsHolderInstallsAGeneration) {
  auto& parking = this->parking_;
  EXPECT_EQ(parking.take_rebuild_lock("a", 30000).value(), true);
  EXPECT_EQ(parking.take_rebuild_lock("b", 30000).value(), false);
  EXPECT_EQ(parking.hold_rebuild_lock("b", 30000).value(), false);
  EXPECT_EQ(parking.install_generation("b", "by-b").value(), false);
  EXPECT_EQ(parking.hold_rebuild_lock("a", 30000).value(), true);
  EXPECT_EQ(parking.install_generation("a", "by-a").value(), true);
  EXPECT_EQ(parking.read_generation().value().value, std::optional<std::string>("by-a"));
  EXPECT_EQ(parking.install_generation("a", "again").value(), false) << "the lock went with it";
  EXPECT_EQ(parking.take_rebuild_lock("b", 30000).value(), true);
  ASSERT_TRUE(parking.give_back_rebuild_lock("b"));
  EXPECT_EQ(parking.take_rebuild_lock("a", 30000).value(), true);
}

TYPED_TEST(ParkingStoreContract, ARebuiltParkingIsLiftedOnceItsRecordFinishedUnlessParkedAgain) {
  auto& parking = this->parking_;
  const std::string p1 = this->payment_ + "-1", p2 = this->payment_ + "-2",
                    p3 = this->payment_ + "-3", p4 = this->payment_ + "-4";
  const EventKey e1{p1, "E1"}, e2{p2, "E2"}, live{p3, "E3"}, applied{p4, "E4"};
  ASSERT_TRUE(parking.park(live, 60));  // parked since the loss
  ASSERT_EQ(this->claim(applied), ClaimOutcome::claimed);
  ASSERT_TRUE(this->stores_.claims->complete(applied, "w", 60));
  EXPECT_EQ(parking.restore_parking(e1, 60, {0, 5}).value(), Restored::parked);
  EXPECT_EQ(parking.restore_parking(e2, 60, {1, 6}).value(), Restored::parked);
  EXPECT_EQ(parking.restore_parking(live, 60, {0, 7}).value(), Restored::kept);
  EXPECT_EQ(parking.restore_parking(applied, 60, {0, 8}).value(), Restored::done);
  EXPECT_EQ(this->claim({p1, "later"}), ClaimOutcome::parked);
  EXPECT_EQ(parking.rebuilt_parkings(1000).value().size(), 2u);

  const RebuiltParking rebuilt1{e1, {0, 5}}, rebuilt2{e2, {1, 6}};
  EXPECT_EQ(parking.lift_rebuilt_parking(rebuilt1, false).value(), Lifted::live);
  EXPECT_EQ(parking.lift_rebuilt_parking(rebuilt1, true).value(), Lifted::lifted);
  EXPECT_EQ(this->claim({p1, "later"}), ClaimOutcome::claimed);
  ASSERT_TRUE(parking.park(e2, 60));  // its record ran again and failed: a live parking
  EXPECT_EQ(parking.lift_rebuilt_parking(rebuilt2, true).value(), Lifted::gone);
  EXPECT_EQ(this->claim({p2, "later"}), ClaimOutcome::parked);
  EXPECT_TRUE(parking.rebuilt_parkings(1000).value().empty());
}

}  // namespace
}  // namespace paynotify::worker
