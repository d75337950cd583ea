// DedupePool's batching: claims and completions that wait while a store thread is busy go to
// the store together, each waiter gets its own answer, the kind whose oldest call waited
// longest goes next, and a store that throws fails the batch's waiters, not the pool.
#include "worker/dedupe_pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <stdexcept>
#include <thread>

namespace paynotify::worker {
namespace {

namespace net = boost::asio;

// Answers from the request alone (an event id starting "done" is done, an owner "fail" fails its
// completion), logs its batches and parks, and holds the first of them until opened.
class GatedStore final : public DedupeStore {
 public:
  // Stands for any other store call (a park) that a job runs on the store thread.
  bool park() {
    log("park");
    return true;
  }

  std::vector<StoreResult<LedgerClaim>> claim_batch(
      std::span<const ClaimRequest> requests) override {
    log("claims " + std::to_string(requests.size()));
    if (throw_claims) throw std::runtime_error("store exploded");
    std::vector<StoreResult<LedgerClaim>> out;
    for (const auto& r : requests) {
      out.push_back(LedgerClaim{
          r.key.event_id.starts_with("done") ? ClaimOutcome::done : ClaimOutcome::claimed,
          std::nullopt});
    }
    return out;
  }
  std::vector<StoreResult<LedgerWrite>> complete_batch(
      std::span<const CompleteRequest> requests) override {
    log("completions " + std::to_string(requests.size()));
    std::vector<StoreResult<LedgerWrite>> out;
    for (const auto& r : requests) {
      if (r.owner == "fail") {
        out.emplace_back(StoreError::unavailable);
      } else {
        out.emplace_back(LedgerWrite::recorded);
      }
    }
    if (short_answer) out.pop_back();
    return out;
  }

  void open() {
    if (!was_opened.exchange(true)) gate.set_value();
  }
  // Whether the first call has come (and waits at the gate).
  bool entered_within(std::chrono::seconds limit) {
    return first_came.wait_for(limit) == std::future_status::ready;
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mu);
    return log_;
  }

  std::atomic<bool> throw_claims = false;
  std::atomic<bool> short_answer = false;

 private:
  void log(std::string call) {
    bool first = false;
    {
      std::lock_guard lock(mu);
      first = log_.empty();
      log_.push_back(std::move(call));
    }
    if (first) {
      entered.set_value();
      opened.wait();  // the first call holds the (only) store thread
    }
  }

  std::mutex mu;
  std::vector<std::string> log_;
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  std::atomic<bool> was_opened = false;
  std::promise<void> entered;
  std::future<void> first_came = entered.get_future();
};

class Pool : public ::testing::Test {
 protected:
  Pool() {
    pool_ = std::make_unique<DedupePool>(
        1,
        [this] {
          auto s = std::make_shared<GatedStore>();
          store_ = s.get();
          return StoreSeams{s, nullptr, nullptr};
        },
        [this](std::size_t n) {
          std::lock_guard lock(mu_);
          batch_sizes_.push_back(n);
        });
    thread_ = std::thread([this] { ctx_.run(); });
  }
  ~Pool() override {
    store_->open();  // a test that stopped early must not leave the store thread at the gate
    pool_->stop();
    guard_.reset();
    thread_.join();
  }

  // Runs the coroutine on the I/O context.
  void spawn(net::awaitable<void> coroutine) {
    net::co_spawn(ctx_, std::move(coroutine), net::detached);
  }
  // Generous limits: they cost time only when a test fails.
  bool first_call_waits() { return store_->entered_within(std::chrono::seconds(10)); }
  bool queued(std::size_t n) {
    for (int i = 0; i < 5000 && pool_->queued() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return pool_->queued() == n;
  }
  bool answers(std::size_t n) {
    for (int i = 0; i < 5000 && answered() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return answered() == n;
  }
  std::size_t answered() {
    std::lock_guard lock(mu_);
    return answers_.size();
  }
  void answer(const std::string& who, std::string what) {
    std::lock_guard lock(mu_);
    answers_[who] = std::move(what);
  }

  net::io_context ctx_;
  net::executor_work_guard<net::io_context::executor_type> guard_ = net::make_work_guard(ctx_);
  GatedStore* store_ = nullptr;
  std::unique_ptr<DedupePool> pool_;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::string> answers_;
  std::vector<std::size_t> batch_sizes_;  // as the metric sees them
};

net::awaitable<void> claim_one(DedupePool& pool, std::string event,
                               std::function<void(std::string)> done) {
  try {
    auto op = pool.claim(ClaimRequest{{"p", event}, "w", 1000, false});
    const StoreResult<LedgerClaim> c = co_await std::move(op);
    done(c ? std::string(claim_outcome_name(c->outcome)) : "error: " + c.error().message());
  } catch (const std::exception& e) {
    done(std::string("threw: ") + e.what());
  }
}

net::awaitable<void> park_one(DedupePool& pool, GatedStore* store,
                              std::function<void(std::string)> done) {
  auto op = pool.call([store](StoreSeams&) { return store->park(); });
  const bool parked = co_await std::move(op);
  done(parked ? "parked" : "not parked");
}

net::awaitable<void> complete_one(DedupePool& pool, std::string owner,
                                  std::function<void(std::string)> done) {
  try {
    auto op = pool.complete(CompleteRequest{{"p", owner}, owner, 60, nullptr});
    const StoreResult<LedgerWrite> w = co_await std::move(op);
    done(w && *w == LedgerWrite::recorded ? "recorded" : "failed");
  } catch (const std::exception& e) {
    done(std::string("threw: ") + e.what());
  }
}

TEST_F(Pool, ClaimsWaitingTogetherGoInBatchesOfAtMostTheLimitEachWithItsOwnAnswer) {
  spawn(claim_one(*pool_, "first", [this](std::string a) { answer("first", std::move(a)); }));
  ASSERT_TRUE(first_call_waits());
  const std::size_t waiting = DedupePool::kMaxBatch + 36;
  for (std::size_t i = 0; i < waiting; ++i) {
    const std::string event = (i % 3 == 0 ? "done-" : "new-") + std::to_string(i);
    spawn(claim_one(*pool_, event, [this, event](std::string a) { answer(event, std::move(a)); }));
  }
  ASSERT_TRUE(queued(waiting));
  store_->open();
  ASSERT_TRUE(answers(waiting + 1));
  EXPECT_EQ(store_->calls(), (std::vector<std::string>{"claims 1", "claims 64", "claims 36"}));
  std::lock_guard lock(mu_);
  EXPECT_EQ(batch_sizes_, (std::vector<std::size_t>{1, 64, 36}));
  EXPECT_EQ(answers_["first"], "claimed");
  for (std::size_t i = 0; i < waiting; ++i) {
    const std::string event = (i % 3 == 0 ? "done-" : "new-") + std::to_string(i);
    EXPECT_EQ(answers_[event], i % 3 == 0 ? "done" : "claimed") << event;
  }
}

TEST_F(Pool, TheKindWhoseOldestCallWaitedLongestGoesNext) {
  spawn(claim_one(*pool_, "first", [this](std::string a) { answer("first", std::move(a)); }));
  ASSERT_TRUE(first_call_waits());
  spawn(complete_one(*pool_, "ok-1", [this](std::string a) { answer("c1", std::move(a)); }));
  spawn(complete_one(*pool_, "fail", [this](std::string a) { answer("c2", std::move(a)); }));
  ASSERT_TRUE(queued(2));
  spawn(claim_one(*pool_, "second", [this](std::string a) { answer("second", std::move(a)); }));
  ASSERT_TRUE(queued(3));
  spawn(park_one(*pool_, store_, [this](std::string a) { answer("park", std::move(a)); }));
  ASSERT_TRUE(queued(4));
  spawn(complete_one(*pool_, "ok-3", [this](std::string a) { answer("c3", std::move(a)); }));
  ASSERT_TRUE(queued(5));
  store_->open();
  ASSERT_TRUE(answers(6));
  // The completions' oldest came before the second claim: they go first, all three together
  // (they are unrelated to one another), then the claim, then the park.
  EXPECT_EQ(store_->calls(),
            (std::vector<std::string>{"claims 1", "completions 3", "claims 1", "park"}));
  std::lock_guard lock(mu_);
  EXPECT_EQ(answers_["c1"], "recorded");
  EXPECT_EQ(answers_["c2"], "failed");
  EXPECT_EQ(answers_["c3"], "recorded");
  EXPECT_EQ(answers_["park"], "parked");
}

TEST_F(Pool, AStoreThatThrowsOrMiscountsFailsItsBatchesWaitersNotThePool) {
  store_->throw_claims = true;
  store_->short_answer = true;
  store_->open();
  for (int i = 0; i < 3; ++i) {
    spawn(claim_one(*pool_, "e" + std::to_string(i), [this, i](std::string a) {
      answer("claim" + std::to_string(i), std::move(a));
    }));
  }
  spawn(complete_one(*pool_, "ok", [this](std::string a) { answer("complete", std::move(a)); }));
  ASSERT_TRUE(answers(4));
  store_->throw_claims = false;  // the pool goes on serving
  spawn(claim_one(*pool_, "after", [this](std::string a) { answer("after", std::move(a)); }));
  ASSERT_TRUE(answers(5));
  std::lock_guard lock(mu_);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(answers_["claim" + std::to_string(i)], "threw: store exploded");
  EXPECT_EQ(answers_["complete"], "threw: store answered a batch with another count");
  EXPECT_EQ(answers_["after"], "claimed");
}

}  // namespace
}  // namespace paynotify::worker
