// The claims and completions every event makes, one contract for every LeaseStore: the tests'
// in-memory store and the blocking Redis store (both through the DedupePool's threads), and
// the engine's own, pipelined on its loop (RedisLoopStore). Against the Redis tests/run.sh
// starts; tests/CMakeLists.txt runs the suite over TLS too.
#include "worker/store/lease_store.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <vector>

#include "common/service/ids.hpp"
#include "tests/support/in_memory_store.hpp"
#include "tests/support/redis_fixture.hpp"
#include "worker/dedupe_pool.hpp"
#include "worker/redis/redis_dedupe_store.hpp"
#include "worker/redis/redis_loop_store.hpp"

namespace paynotify::worker {
namespace {

namespace net = boost::asio;
using testing::redis_settings;
using testing::trusted_generation;

constexpr const char* kScope = "antom.notifications";
constexpr auto kPatience = std::chrono::seconds(10);  // no answer of a passing test nears it

struct InMemory {
  static std::unique_ptr<LeaseStore> make(net::io_context&) {
    static testing::InMemoryStore store;  // event ids are random per test: one will do
    return std::make_unique<DedupePool>(2, [] { return testing::seams_of(store); });
  }
};

struct BlockingRedis {
  static std::unique_ptr<LeaseStore> make(net::io_context&) {
    auto generation = trusted_generation(kScope);
    return std::make_unique<DedupePool>(2, [generation] {
      return StoreSeams{std::make_shared<RedisDedupeStore>(redis_settings(), generation, kScope),
                        nullptr, nullptr};
    });
  }
};

struct LoopRedis {
  static std::unique_ptr<LeaseStore> make(net::io_context& loop) {
    return std::make_unique<RedisLoopStore>(loop.get_executor(), redis_settings(),
                                            trusted_generation(kScope), kScope);
  }
};

// Runs `loop` until `op` has its answer.
template <typename T>
T run_until_answered(net::io_context& loop, net::awaitable<T> op) {
  std::optional<T> result;
  net::co_spawn(loop, std::move(op), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    result = std::move(value);
  });
  loop.restart();
  while (!result && loop.run_one_for(kPatience) > 0) {
  }
  EXPECT_TRUE(result) << "no answer";
  return result.value_or(T{});
}

template <typename Kind>
class LeaseStoreContract : public ::testing::Test {
 protected:
  LeaseStoreContract() : store_(Kind::make(loop_)) {}

  template <typename T>
  T await(net::awaitable<T> op) {
    return run_until_answered(loop_, std::move(op));
  }
  // value(): a store error fails the test with the error's words.
  LedgerClaim claim(const EventKey& e, const std::string& owner, bool with_ledger = false) {
    return await(store_->claim(ClaimRequest{e, owner, 5000, with_ledger})).value();
  }
  LedgerWrite complete(const EventKey& e, const std::string& owner,
                       std::shared_ptr<const LedgerUpdate> ledger = nullptr) {
    return await(store_->complete(CompleteRequest{e, owner, 60, std::move(ledger)})).value();
  }

  net::io_context loop_;
  std::unique_ptr<LeaseStore> store_;
};

using Kinds = ::testing::Types<InMemory, BlockingRedis, LoopRedis>;
TYPED_TEST_SUITE(LeaseStoreContract, Kinds);

TYPED_TEST(LeaseStoreContract, ALeaseIsOneOwnersUntilTheEventIsDoneAndThenDoneForAll) {
  const EventKey e{"pay-" + random_hex(4), "PAYMENT_RESULT:x:S"};
  EXPECT_EQ(this->claim(e, "owner-a").outcome, ClaimOutcome::claimed);
  EXPECT_EQ(this->claim(e, "owner-b").outcome, ClaimOutcome::busy);
  EXPECT_EQ(this->claim(e, "owner-a").outcome, ClaimOutcome::claimed);  // a renewal
  EXPECT_EQ(this->complete(e, "owner-a"), LedgerWrite::recorded);
  EXPECT_EQ(this->claim(e, "owner-b").outcome, ClaimOutcome::done);
  EXPECT_EQ(this->claim(e, "owner-a").outcome, ClaimOutcome::done);
}

TYPED_TEST(LeaseStoreContract, TheLedgerComesWithTheClaimAndIsWrittenOnlyIfUnchangedSinceRead) {
  const std::string payment = "pay-" + random_hex(4);
  const EventKey auth{payment, "AUTH"}, capture{payment, "CAPTURE"};
  const LedgerClaim first = this->claim(auth, "w", true);
  ASSERT_EQ(first.outcome, ClaimOutcome::claimed);
  ASSERT_TRUE(first.ledger);
  EXPECT_EQ(first.ledger->text, "");
  EXPECT_EQ(this->complete(auth, "w",
                           std::make_shared<const LedgerUpdate>(LedgerUpdate{
                               "", "L1", 600, std::nullopt, std::nullopt, {{"A1", "{}"}}})),
            LedgerWrite::recorded);
  const LedgerClaim second = this->claim(capture, "w", true);
  ASSERT_EQ(second.outcome, ClaimOutcome::claimed);
  ASSERT_TRUE(second.ledger);
  EXPECT_EQ(second.ledger->text, "L1");
  ASSERT_EQ(second.ledger->outbox.size(), 1u);
  EXPECT_EQ(second.ledger->outbox[0].first, "A1");
  EXPECT_FALSE(this->claim(capture, "w").ledger) << "read only when asked";
  const auto stale = std::make_shared<const LedgerUpdate>(
      LedgerUpdate{"", "L2", 600, std::nullopt, std::nullopt, {}});
  EXPECT_EQ(this->complete(capture, "w", stale), LedgerWrite::changed_meanwhile);
  EXPECT_EQ(this->claim(capture, "w").outcome, ClaimOutcome::claimed) << "not done either";
  const auto fresh = std::make_shared<const LedgerUpdate>(
      LedgerUpdate{"L1", "L2", 600, std::nullopt, std::nullopt, {}});
  EXPECT_EQ(this->complete(capture, "w", fresh), LedgerWrite::recorded);
  EXPECT_EQ(this->claim(capture, "w2").outcome, ClaimOutcome::done);
}

TYPED_TEST(LeaseStoreContract, ClaimsMadeTogetherAreEachAnsweredOnTheirOwn) {
  const std::string payment = "pay-" + random_hex(4);
  const EventKey applied{payment, "APPLIED"};
  ASSERT_EQ(this->claim(applied, "w").outcome, ClaimOutcome::claimed);
  ASSERT_EQ(this->complete(applied, "w"), LedgerWrite::recorded);
  std::vector<std::optional<ClaimOutcome>> outcomes(41);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const EventKey e = i == 0 ? applied : EventKey{payment, "E" + std::to_string(i)};
    net::co_spawn(this->loop_, this->store_->claim(ClaimRequest{e, "w", 5000, false}),
                  [&outcomes, i](std::exception_ptr, StoreResult<LedgerClaim> c) {
                    outcomes[i] = c ? c->outcome : ClaimOutcome::unavailable;
                  });
  }
  this->loop_.restart();
  const auto all = [&] {
    return std::all_of(outcomes.begin(), outcomes.end(), [](const auto& o) { return o; });
  };
  while (!all() && this->loop_.run_one_for(kPatience) > 0) {
  }
  ASSERT_TRUE(all());
  EXPECT_EQ(outcomes[0], ClaimOutcome::done);
  for (std::size_t i = 1; i < outcomes.size(); ++i) EXPECT_EQ(outcomes[i], ClaimOutcome::claimed);
}

// The loop's own: after Redis lost its data (the generation key gone), it claims nothing and
// says the parking is not to be trusted, like the blocking store.
TEST(RedisLoopStore, AVanishedGenerationStopsClaimsAndDistrustsTheParking) {
  const std::string scope = "lease-contract-" + random_hex(4);
  auto generation = trusted_generation(scope);
  net::io_context loop;
  RedisLoopStore store(loop.get_executor(), redis_settings(), generation, scope);
  RedisConnection redis(redis_settings());
  ASSERT_TRUE(redis.command({"DEL", generation_key(scope)}));
  const StoreResult<LedgerClaim> claimed = run_until_answered(
      loop, store.claim(ClaimRequest{{"pay-" + random_hex(4), "E"}, "w", 5000, false}));
  ASSERT_FALSE(claimed);
  EXPECT_EQ(claimed.error(), StoreError::untrusted);
  EXPECT_FALSE(generation->trusted());
}

}  // namespace
}  // namespace paynotify::worker
