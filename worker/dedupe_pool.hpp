#pragma once
// Runs blocking store calls on threads of their own (each with its own StoreSeams: one store
// connection per seam) and resumes the awaiting coroutine on its executor: the worker's I/O
// thread never blocks on Redis.
// Claims and completions, the two calls every event makes, are batched: a store thread takes
// all of one kind that are waiting (up to kMaxBatch) and the store sends them in one round
// trip, sharing its wake-ups and system calls. A batch never waits to fill: when the store
// keeps up it holds one call, and it grows only as calls queue behind a busy connection.

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include "worker/store/dedupe_store.hpp"
#include "worker/store/lease_store.hpp"
#include "worker/store/ledger_store.hpp"
#include "worker/store/parking_store.hpp"

namespace paynotify::worker {

// One store thread's stores. Adapters that connect on first use cost nothing until used.
struct StoreSeams {
  std::shared_ptr<DedupeStore> leases;    // claims and completions; null: not a LeaseStore
  std::shared_ptr<ParkingStore> parking;  // park, release, unpark
  std::shared_ptr<LedgerStore> ledgers;   // the ledger completion's re-reads and outbox
};

class DedupePool final : public LeaseStore {
 public:
  using Factory = std::function<StoreSeams()>;
  using BatchObserver = std::function<void(std::size_t)>;  // each batch's size (a metric)
  static constexpr std::size_t kMaxBatch = 64;

  DedupePool(std::size_t threads, const Factory& make_store, BatchObserver observe_batch = {})
      : observe_batch_(std::move(observe_batch)) {
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this, stores = make_store()]() mutable { run(stores); });
    }
  }
  ~DedupePool() override { stop(); }
  DedupePool(const DedupePool&) = delete;
  DedupePool& operator=(const DedupePool&) = delete;

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  // co_await pool.call([](StoreSeams& s) { return s.parking->park(...); }) -> its result; a
  // job that throws rethrows in the awaiting coroutine (never on the store thread).
  // Not a coroutine itself (GCC 12 mishandles lambdas captured in coroutine frames): it hands
  // the job to a store thread and returns the awaitable that the result completes.
  template <typename Fn,
            typename Result = decltype(std::declval<Fn&>()(std::declval<StoreSeams&>()))>
  boost::asio::awaitable<Result> call(Fn fn) {
    return initiate<Result>([this, fn = std::move(fn)](Done<Result> done) mutable {
      enqueue(jobs_, Job{[job = std::move(fn), done = std::move(done)](StoreSeams& store) mutable {
                std::exception_ptr error;
                Result result{};
                try {
                  result = job(store);
                } catch (...) {
                  error = std::current_exception();
                }
                done(error, std::move(result));
              }});
    });
  }

  boost::asio::awaitable<StoreResult<LedgerClaim>> claim(ClaimRequest request) override {
    return batched(claims_, std::move(request));
  }
  boost::asio::awaitable<StoreResult<LedgerWrite>> complete(CompleteRequest request) override {
    return batched(completes_, std::move(request));
  }

  std::size_t queued() const {
    std::lock_guard lock(mu_);
    return jobs_.size() + claims_.size() + completes_.size();
  }

 private:
  template <typename Result>
  using Done = std::function<void(std::exception_ptr, Result)>;

  struct Job {
    std::function<void(StoreSeams&)> run;
    uint64_t seq = 0;  // queue order across the three queues
  };
  template <typename Request, typename Result>
  struct Pending {
    Request request;
    Done<Result> done;
    uint64_t seq = 0;
  };
  using PendingClaim = Pending<ClaimRequest, StoreResult<LedgerClaim>>;
  using PendingCompletion = Pending<CompleteRequest, StoreResult<LedgerWrite>>;

  // The awaitable; `start` gets the completion (callable from any thread: it posts the result
  // to the awaiting coroutine's executor) and queues the work.
  template <typename Result, typename Start>
  static boost::asio::awaitable<Result> initiate(Start start) {
    return boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                       void(std::exception_ptr, Result)>(
        [start = std::move(start)](auto handler) mutable {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          start(Done<Result>([shared](std::exception_ptr error, Result result) {
            auto ex = boost::asio::get_associated_executor(*shared);
            boost::asio::post(ex, [shared, error, result = std::move(result)]() mutable {
              (*shared)(error, std::move(result));
            });
          }));
        },
        boost::asio::use_awaitable);
  }

  template <typename Result, typename Request>
  boost::asio::awaitable<Result> batched(std::deque<Pending<Request, Result>>& queue,
                                         Request request) {
    return initiate<Result>(
        [this, &queue, request = std::move(request)](Done<Result> done) mutable {
          enqueue(queue, Pending<Request, Result>{std::move(request), std::move(done)});
        });
  }

  template <typename Queue, typename Item>
  void enqueue(Queue& queue, Item item) {
    {
      std::lock_guard lock(mu_);
      item.seq = next_seq_++;
      queue.push_back(std::move(item));
    }
    cv_.notify_one();
  }

  // Up to kMaxBatch of one kind off the front of `queue`; call under mu_.
  template <typename Item>
  static std::vector<Item> take(std::deque<Item>& queue) {
    std::vector<Item> batch;
    while (!queue.empty() && batch.size() < kMaxBatch) {
      batch.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    return batch;
  }

  // One store call for the whole batch; each waiter gets its own result, or the exception.
  // A throw fails every waiter of the batch, also those whose request ran: each treats it as
  // the store being unavailable, and claims and completions are safe to try again.
  template <typename Request, typename Result, typename Run>
  void run_batch(std::vector<Pending<Request, Result>>& batch, Run run) {
    std::vector<Request> requests;
    requests.reserve(batch.size());
    for (auto& p : batch) requests.push_back(std::move(p.request));
    std::exception_ptr error;
    std::vector<Result> results;
    try {
      if (observe_batch_) observe_batch_(batch.size());
      auto answers = run(std::span<const Request>(requests));
      if (answers.size() != requests.size())
        throw std::logic_error("store answered a batch with another count");
      results.reserve(answers.size());
      for (auto& a : answers) results.push_back(std::move(a));
    } catch (...) {
      error = std::current_exception();
      results.assign(requests.size(), Result{StoreError::unavailable});
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(error, std::move(results[i]));
  }

  void run(StoreSeams& stores) {
    for (;;) {
      std::optional<Job> job;
      std::vector<PendingClaim> claims;
      std::vector<PendingCompletion> completes;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] {
          return stopping_ || !jobs_.empty() || !claims_.empty() || !completes_.empty();
        });
        // The queue whose front waited longest: no kind starves the others.
        const uint64_t never = UINT64_MAX;
        const uint64_t oldest_job = jobs_.empty() ? never : jobs_.front().seq;
        const uint64_t claim = claims_.empty() ? never : claims_.front().seq;
        const uint64_t complete = completes_.empty() ? never : completes_.front().seq;
        if (oldest_job == never && claim == never && complete == never)
          return;  // stopping and drained
        if (oldest_job < claim && oldest_job < complete) {
          job = std::move(jobs_.front());
          jobs_.pop_front();
        } else if (claim < complete) {
          claims = take(claims_);
        } else {
          completes = take(completes_);
        }
      }
      if (job) job->run(stores);
      if (!claims.empty())
        run_batch(claims, [&](auto requests) { return leases(stores).claim_batch(requests); });
      if (!completes.empty())
        run_batch(completes,
                  [&](auto requests) { return leases(stores).complete_batch(requests); });
    }
  }

  static DedupeStore& leases(StoreSeams& stores) {
    if (!stores.leases) throw std::logic_error("claims on a pool that has no DedupeStore");
    return *stores.leases;
  }

  const BatchObserver observe_batch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::deque<PendingClaim> claims_;
  std::deque<PendingCompletion> completes_;
  uint64_t next_seq_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace paynotify::worker
