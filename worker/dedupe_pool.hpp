#pragma once
// Runs blocking DedupeStore calls on threads of their own (one store connection each) and
// resumes the awaiting coroutine on its executor: the worker's I/O thread never blocks on Redis.

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "worker/dedupe_store.hpp"

namespace paynotify::worker {

class DedupePool {
 public:
  using Factory = std::function<std::unique_ptr<DedupeStore>()>;

  DedupePool(std::size_t threads, const Factory& make_store) {
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this, store = std::shared_ptr<DedupeStore>(make_store())] { run(*store); });
    }
  }
  ~DedupePool() { stop(); }
  DedupePool(const DedupePool&) = delete;
  DedupePool& operator=(const DedupePool&) = delete;

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) if (t.joinable()) t.join();
  }

  // co_await pool.call([](DedupeStore& s) { return s.claim(...); }) -> the lambda's result; a
  // job that throws rethrows in the awaiting coroutine (never on the store thread).
  // Not a coroutine itself (GCC 12 mishandles lambdas captured in coroutine frames): it hands
  // the job to a store thread and returns the awaitable that the result completes.
  template <typename Fn>
  auto call(Fn fn) {
    using Result = decltype(fn(std::declval<DedupeStore&>()));
    return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(std::exception_ptr, Result)>(
        Initiation<Fn>{this, std::move(fn)}, boost::asio::use_awaitable);
  }

  std::size_t queued() const {
    std::lock_guard lock(mu_);
    return jobs_.size();
  }

 private:
  template <typename Fn>
  struct Initiation {
    DedupePool* pool;
    Fn fn;
    template <typename Handler>
    void operator()(Handler handler) {
      using Result = decltype(fn(std::declval<DedupeStore&>()));
      auto shared = std::make_shared<Handler>(std::move(handler));
      pool->enqueue([shared, job = std::move(fn)](DedupeStore& store) mutable {
        std::exception_ptr error;
        Result result{};
        try {
          result = job(store);
        } catch (...) {
          error = std::current_exception();
        }
        auto ex = boost::asio::get_associated_executor(*shared);
        boost::asio::post(ex, [shared, error, result]() mutable { (*shared)(error, result); });
      });
    }
  };

  void enqueue(std::function<void(DedupeStore&)> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

  void run(DedupeStore& store) {
    for (;;) {
      std::function<void(DedupeStore&)> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping and drained
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job(store);
    }
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void(DedupeStore&)>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace paynotify::worker
