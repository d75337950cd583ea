#pragma once
// The read and write deadlines of one I/O thread's connections, checked by one timer that ticks
// every `tick`, instead of a timer armed and cancelled around every read and write (Beast's
// tcp_stream: up to 2 us of the ingest's ~48 per request, README "What the libraries cost on
// their own"). Setting a deadline is an assignment; a connection past its deadline is expired
// (its socket closed, which fails whatever it was waiting for) within one tick of it. Everything
// here runs on the thread's own io_context: no locks.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <initializer_list>

namespace paynotify::ingest {

class DeadlineSweep {
 public:
  using Clock = std::chrono::steady_clock;

  // One connection's deadline, registered for its lifetime (an object of the connection's
  // coroutine frame: it does not move).
  class Deadline {
   public:
    // `expire` runs at most once, on the sweep's thread, when the deadline has passed.
    Deadline(DeadlineSweep& sweep, std::function<void()> expire);
    ~Deadline();
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;

    void set(Clock::time_point when) { when_ = when; }
    void clear() { when_ = Clock::time_point::max(); }  // while nothing is read or written
    bool expired() const { return expired_; }

   private:
    friend class DeadlineSweep;
    DeadlineSweep& sweep_;
    std::function<void()> expire_;
    Clock::time_point when_ = Clock::time_point::max();
    bool expired_ = false;
    Deadline* prev_ = nullptr;
    Deadline* next_ = nullptr;
  };

  // The tick for these timeouts: a tenth of the shortest, between 1 and 100 ms (the defaults,
  // seconds, tick ten times a second). Every deadline is kept to within one tick.
  static std::chrono::milliseconds tick_for(
      std::initializer_list<std::chrono::milliseconds> timeouts);

  explicit DeadlineSweep(std::chrono::milliseconds tick) : tick_(tick) {}
  DeadlineSweep(const DeadlineSweep&) = delete;  // its deadlines point at it
  DeadlineSweep& operator=(const DeadlineSweep&) = delete;
  // Runs on the thread's io_context until it stops.
  boost::asio::awaitable<void> run();
  // Expires every registered deadline that has passed by `now` (what each tick does).
  void sweep(Clock::time_point now);
  std::size_t registered() const { return registered_; }

 private:
  std::chrono::milliseconds tick_;
  Deadline* first_ = nullptr;
  std::size_t registered_ = 0;
};

}  // namespace paynotify::ingest
