#pragma once
// The seam to the parking (store_generation.hpp says why it must be trusted): park, release and
// unpark for the engine, and what ParkingRecovery needs to check the generation, rebuild the
// parking from the retry topic under a lock, and audit what it rebuilt. Calls block; failures
// are values with a StoreError (store_error.hpp). Real adapter: RedisParkingStore.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "worker/store/dedupe_store.hpp"
#include "worker/store/store_error.hpp"

namespace paynotify::worker {

// The generation as the store shows it now, and the run of the server that shows it.
struct SeenGeneration {
  std::optional<std::string> value;  // none: the store holds no generation
  std::string server_run_id;         // empty when the server does not tell
};

// Where a rebuild found a parked event in the retry topic.
struct RetryPosition {
  int32_t partition = -1;
  int64_t offset = -1;
  bool operator==(const RetryPosition&) const = default;
};
struct RebuiltParking {
  EventKey key;
  RetryPosition at;
};

enum class Restored {
  done,    // the event was applied before the loss: nothing parked
  kept,    // the payment was parked again since the loss (a live parking): kept as it is
  parked,  // parked again, remembering where its record is, for the audit
};
enum class Lifted {
  gone,    // no longer the rebuilt parking (applied, or parked again since): off the audit
  live,    // its record has not finished: still parked
  lifted,  // its record had finished before the loss: the parking is lifted
};

class ParkingStore {
 public:
  virtual ~ParkingStore() = default;

  // Later events of the payment wait until this one is applied or dead-lettered. Set before the
  // event is handed to the retry topic, so its retry can never complete before the parking.
  virtual StoreResult<void> park(const EventKey& key, int64_t ttl_s) = 0;
  // Gives the lease back if `owner` still holds it.
  virtual StoreResult<void> release(const EventKey& key, const std::string& owner) = 0;
  // release(), and lifts the payment's parking if this event set it.
  virtual StoreResult<void> unpark(const EventKey& key, const std::string& owner) = 0;

  virtual StoreResult<SeenGeneration> read_generation() = 0;
  // True when `owner` took the rebuild lock for `lease_ms`; false when another holds it.
  virtual StoreResult<bool> take_rebuild_lock(const std::string& owner, int64_t lease_ms) = 0;
  // True when `owner` still held the lock and holds it `lease_ms` longer.
  virtual StoreResult<bool> hold_rebuild_lock(const std::string& owner, int64_t lease_ms) = 0;
  virtual StoreResult<void> give_back_rebuild_lock(const std::string& owner) = 0;
  // Sets the generation and gives the lock back, only while `owner` holds it (else false): no
  // worker trusts a rebuild that lost its lock.
  virtual StoreResult<bool> install_generation(const std::string& owner,
                                               const std::string& value) = 0;
  // A rebuild's step for a record past the committed offset. Records come in offset order, so
  // of one payment's records the last wins.
  virtual StoreResult<Restored> restore_parking(const EventKey& key, int64_t ttl_s,
                                                RetryPosition at) = 0;
  // Up to `most` of the rebuilt parkings not yet audited away.
  virtual StoreResult<std::vector<RebuiltParking>> rebuilt_parkings(std::size_t most) = 0;
  // finished: the group's committed offset has passed the parking's record.
  virtual StoreResult<Lifted> lift_rebuilt_parking(const RebuiltParking& parking,
                                                   bool finished) = 0;

  // What the store said when it last failed ("" if it never did), for the operator's log: a
  // wrong password or CA shows there, not in the error code.
  virtual std::string failure_detail() const = 0;
};

}  // namespace paynotify::worker
