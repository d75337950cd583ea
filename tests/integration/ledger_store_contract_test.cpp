// The payments' ledgers, one contract for every LedgerStore: the tests' in-memory store and
// Redis (RedisLedgerStore, the scripts the deadline watch runs). Against the Redis
// tests/run.sh starts; each test has a scope and payments of its own.
#include "worker/store/ledger_store.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "common/service/ids.hpp"
#include "tests/support/in_memory_store.hpp"
#include "tests/support/redis_fixture.hpp"
#include "worker/redis/redis_ledger_store.hpp"

namespace paynotify::worker {
namespace {

struct InMemory {
  static std::unique_ptr<LedgerStore> make(const std::string&) {
    return std::make_unique<testing::InMemoryStore>();
  }
};

struct Redis {
  static std::unique_ptr<LedgerStore> make(const std::string& scope) {
    return std::make_unique<RedisLedgerStore>(testing::redis_settings(), scope);
  }
};

template <typename Store>
class LedgerStoreContract : public ::testing::Test {
 protected:
  const std::string scope_ = "test.ledgers." + random_hex(4);
  const std::string payment_ = "pay-contract-" + random_hex(4);
  std::unique_ptr<LedgerStore> store_ = Store::make(scope_);

  LedgerUpdate update(std::string expected, std::string updated) {
    return LedgerUpdate{std::move(expected), std::move(updated), 600,
                        std::nullopt,        std::nullopt,       {}};
  }
};

using Stores = ::testing::Types<InMemory, Redis>;
TYPED_TEST_SUITE(LedgerStoreContract, Stores);

TYPED_TEST(LedgerStoreContract, AWriteIsMadeOnlyOverTheLedgerItWasPlannedOn) {
  auto& store = *this->store_;
  const auto none = store.read_ledger(this->payment_);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->text, "") << "a payment without a ledger reads as empty";
  EXPECT_EQ(store.update_ledger(this->payment_, this->update("", "v1")).value(),
            LedgerWrite::recorded);
  EXPECT_EQ(store.update_ledger(this->payment_, this->update("", "v2")).value(),
            LedgerWrite::changed_meanwhile)
      << "planned on an empty ledger, which is not empty any more";
  EXPECT_EQ(store.read_ledger(this->payment_).value().text, "v1");
  EXPECT_EQ(store.update_ledger(this->payment_, this->update("v1", "v2")).value(),
            LedgerWrite::recorded);
  EXPECT_EQ(store.read_ledger(this->payment_).value().text, "v2");
}

TYPED_TEST(LedgerStoreContract, ADueDeadlineIsTakenUnderALeaseAndComesDueAgainAfterIt) {
  auto& store = *this->store_;
  const int64_t now = 1'800'000'000'000;
  auto u = this->update("", "v1");
  u.deadline_ms = now - 1;
  ASSERT_EQ(store.update_ledger(this->payment_, u).value(), LedgerWrite::recorded);
  EXPECT_TRUE(store.take_due(now - 2, 1000, 10).value().empty()) << "not due yet";
  EXPECT_EQ(store.take_due(now, 1000, 10).value(), std::vector<std::string>{this->payment_});
  EXPECT_TRUE(store.take_due(now + 999, 1000, 10).value().empty()) << "taken: leased";
  EXPECT_EQ(store.take_due(now + 1000, 1000, 10).value(), std::vector<std::string>{this->payment_})
      << "the taker did not look at it in time: due again";
  ASSERT_TRUE(store.drop_deadline(this->payment_).has_value());
  EXPECT_TRUE(store.take_due(now + 100000, 1000, 10).value().empty()) << "off the watch";
}

// An operator's mark (`paynotify reconcile --mark`): taken under a lease like a deadline, once
// however often it was marked, until cleared.
TYPED_TEST(LedgerStoreContract, AMarkedPaymentIsTakenUnderALeaseUntilItsMarkIsCleared) {
  auto& store = *this->store_;
  const int64_t now = 1'800'000'000'000;
  ASSERT_TRUE(store.mark_for_inquiry(this->payment_, now).has_value());
  ASSERT_TRUE(store.mark_for_inquiry(this->payment_, now + 5).has_value());
  EXPECT_TRUE(store.take_marked(now - 1, 1000, 10).value().empty()) << "marked later";
  EXPECT_EQ(store.take_marked(now, 1000, 10).value(), std::vector<std::string>{this->payment_});
  EXPECT_TRUE(store.take_marked(now + 999, 1000, 10).value().empty()) << "taken: leased";
  EXPECT_EQ(store.take_marked(now + 1000, 1000, 10).value(),
            std::vector<std::string>{this->payment_})
      << "not cleared in time: taken again";
  ASSERT_TRUE(store.clear_mark(this->payment_).has_value());
  EXPECT_TRUE(store.take_marked(now + 100000, 1000, 10).value().empty());
  EXPECT_TRUE(store.take_due(now + 100000, 1000, 10).value().empty()) << "marks are not deadlines";
}

TYPED_TEST(LedgerStoreContract, TakingDueDeadlinesStopsAtTheMostAskedForEarliestFirst) {
  auto& store = *this->store_;
  const int64_t now = 1'800'000'000'000;
  for (int i = 0; i < 3; ++i) {
    auto u = this->update("", "v");
    u.deadline_ms = now - 10 + i;  // payment 0 is the most overdue
    ASSERT_EQ(store.update_ledger(this->payment_ + "-" + std::to_string(i), u).value(),
              LedgerWrite::recorded);
  }
  EXPECT_EQ(store.take_due(now, 1000, 2).value(),
            (std::vector<std::string>{this->payment_ + "-0", this->payment_ + "-1"}));
  EXPECT_EQ(store.take_due(now, 1000, 2).value(), std::vector<std::string>{this->payment_ + "-2"});
}

TYPED_TEST(LedgerStoreContract, UncapturedAuthorizationsAreCountedByExpiryUntilCaptured) {
  auto& store = *this->store_;
  const int64_t expiry = 1'800'000'000'000;
  auto authorized = this->update("", "authorized");
  authorized.uncaptured_expiry_ms = expiry;
  ASSERT_EQ(store.update_ledger(this->payment_, authorized).value(), LedgerWrite::recorded);
  EXPECT_EQ(store.count_expiring(expiry, expiry + 1).value(), 1);
  EXPECT_EQ(store.count_expiring(expiry - 10, expiry).value(), 0) << "the end is excluded";
  const auto captured = this->update("authorized", "captured");  // no expiry: off the index
  ASSERT_EQ(store.update_ledger(this->payment_, captured).value(), LedgerWrite::recorded);
  EXPECT_EQ(store.count_expiring(expiry, expiry + 1).value(), 0);
}

TYPED_TEST(LedgerStoreContract, AnAnomalyStaysInTheOutboxUntilCleared) {
  auto& store = *this->store_;
  auto u = this->update("", "v1");
  u.anomalies = {{"A-1", "{\"kind\":\"OVER_CAPTURE\"}"}};
  ASSERT_EQ(store.update_ledger(this->payment_, u).value(), LedgerWrite::recorded);
  const auto stored = store.read_ledger(this->payment_).value();
  EXPECT_EQ(stored.outbox, (AnomalyOutbox{{"A-1", "{\"kind\":\"OVER_CAPTURE\"}"}}));
  ASSERT_TRUE(store.clear_outbox(this->payment_, "A-1").has_value());
  EXPECT_TRUE(store.read_ledger(this->payment_).value().outbox.empty());
}

TYPED_TEST(LedgerStoreContract, TheOperatorSeesTheNextDeadlineAndWhatExpiresUntilAGivenTime) {
  auto& store = *this->store_;
  const int64_t now = 1'800'000'000'000;
  for (int i = 0; i < 3; ++i) {
    auto u = this->update("", "authorized");
    u.uncaptured_expiry_ms = now + 10 * (i + 1);
    if (i == 0) u.deadline_ms = now + 5;
    ASSERT_EQ(store.update_ledger(this->payment_ + "-" + std::to_string(i), u).value(),
              LedgerWrite::recorded);
  }
  EXPECT_EQ(store.next_deadline(this->payment_ + "-0").value(), std::optional<int64_t>(now + 5));
  EXPECT_EQ(store.next_deadline(this->payment_ + "-1").value(), std::nullopt) << "off the watch";
  const std::string p0 = this->payment_ + "-0", p1 = this->payment_ + "-1";
  EXPECT_EQ(store.expiring_until(now + 20, 10).value(),
            (std::vector<ExpiringAuthorization>{{p0, now + 10}, {p1, now + 20}}))
      << "the end is included, the earliest first";
  EXPECT_EQ(store.expiring_until(now + 30, 1).value(),
            (std::vector<ExpiringAuthorization>{{p0, now + 10}}));
}

}  // namespace
}  // namespace paynotify::worker
