#pragma once
// What Redis holds about one payment's events, read only, for the operator (`paynotify trace`):
// each event's dedupe state (redis_scripts.cpp: "done", or the owner of a live lease) and the
// payment's parking. One connection of its own, blocking; not thread-safe.

#include <cstdint>
#include <string>

#include "worker/redis/redis_connection.hpp"
#include "worker/redis/redis_settings.hpp"
#include "worker/store/dedupe_store.hpp"
#include "worker/store/store_error.hpp"

namespace paynotify::worker {

struct EventState {
  // unknown: no key (never claimed, or forgotten after --dedupe-ttl-s); done: applied (or its
  // duplicate skipped); claimed: a worker holds its lease now.
  enum class Is { unknown, done, claimed };
  Is is = Is::unknown;
  std::string owner;    // the lease's owner when claimed (host:pid:...)
  int64_t ttl_ms = -1;  // how long it is remembered (done) or leased (claimed)
};
std::string_view describe(EventState::Is is);  // "unknown", "done", "claimed"

class RedisEventStates {
 public:
  explicit RedisEventStates(RedisSettings settings);
  StoreResult<EventState> state(const EventKey& key);
  // The event the payment is parked behind (failed, waiting in the retry topic); "" when none.
  StoreResult<std::string> parked_behind(const std::string& order_key);
  std::string failure_detail() const { return redis_.last_error(); }

 private:
  RedisConnection redis_;
};

}  // namespace paynotify::worker
