#pragma once
// The seam to the dedupe store (real adapter: RedisDedupeStore). Calls block; the worker runs
// them on the store's own threads, never on its I/O thread.

#include <cstdint>
#include <string>
#include <string_view>

namespace paynotify::worker {

enum class ClaimOutcome {
  claimed,      // this owner holds the lease now: apply the event
  done,         // applied before: skip it, store the offset
  busy,         // another live owner holds the lease: back off, store nothing
  parked,       // an earlier event of this payment waits in the retry topic: wait behind it
  unavailable,  // the store did not answer
};
std::string_view claim_outcome_name(ClaimOutcome o);

struct EventKey {
  std::string order_key;  // paymentId (the hash tag: one payment's keys share a cluster slot)
  std::string event_id;
};

class DedupeStore {
 public:
  virtual ~DedupeStore() = default;
  virtual ClaimOutcome claim(const EventKey& key, const std::string& owner, int64_t lease_ms) = 0;
  // Marks the event applied for ttl_s, and lifts the payment's parking if this event set it.
  virtual bool complete(const EventKey& key, const std::string& owner, int64_t ttl_s) = 0;
  // Later events of the payment wait until this one is applied or dead-lettered. Set before
  // the event is handed to the retry topic, so its retry can never complete before the parking.
  virtual bool park(const EventKey& key, int64_t ttl_s) = 0;
  // Gives the lease back if still held; unpark=true also lifts this event's parking.
  virtual bool release(const EventKey& key, const std::string& owner, bool unpark) = 0;
  virtual bool ping() = 0;
};

// Key names, with the payment as hash tag so Redis Cluster keeps a payment's keys together.
std::string event_state_key(const EventKey& key);
std::string parked_key(const EventKey& key);
// Where a parking rebuilt after data loss found its event in the retry topic ("<partition>:<offset>").
std::string parked_at_key(const EventKey& key);

}  // namespace paynotify::worker
