#pragma once
// Survives Redis losing its data (store_generation.hpp says how a loss is noticed). The durable
// truth of what is parked is the retry topic: its records past the group's committed offsets
// are the events still waiting for a retry. A rebuild re-parks their payments from there, then
// mints a new generation, and only then may any worker claim again.
//
// A record past the committed offset may already have finished (applied or dead-lettered) in
// the moment before the loss, its offset not yet committed; re-parked, its payment would wait
// behind an event that never comes back. So a rebuilt parking remembers where it came from
// (partition:offset), and an audit lifts it once the group's committed offset has passed that
// record, unless the record parked its payment again meanwhile (which clears the position).
//
// Talks to the store through ParkingStore only. Runs on the worker's health thread: every call
// blocks.

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/antom/key_registry.hpp"
#include "common/service/failure.hpp"
#include "common/service/metrics.hpp"
#include "worker/store/parking_store.hpp"
#include "worker/store/store_generation.hpp"

namespace paynotify::worker {

struct ParkingRecoverySettings {
  std::string kafka_brokers;
  std::map<std::string, std::string> kafka_properties;
  std::string group;  // the worker's consumer group: whose committed offsets count
  std::string retry_topic;
  std::string scope;  // the deployment's main topic: its generation, lock and audit
  int64_t parking_ttl_s = 7 * 86400;
  std::string owner;                               // this worker, for the rebuild lock
  std::chrono::milliseconds rebuild_lock{120000};  // a rebuild that takes longer loses the lock
  std::chrono::milliseconds read_timeout{90000};
  std::chrono::milliseconds audit_every{2000};
  // Antom's keys (--verify-records): a retry record whose signature does not verify parks
  // nothing, as it would apply nothing. Null: records are trusted.
  std::shared_ptr<const KeyRegistry> record_keys{};
};

struct RecoveryMetrics {
  Counter& rebuilds;      // parking rebuilt from the retry topic
  Counter& restored;      // payments parked again by a rebuild
  Counter& kept;          // payments whose live parking (set since the loss) a rebuild kept
  Counter& stale_lifted;  // rebuilt parkings lifted: their record had finished before the loss
};

class ParkingRecovery {
 public:
  ParkingRecovery(ParkingRecoverySettings settings, std::unique_ptr<ParkingStore> store,
                  std::shared_ptr<StoreGeneration> generation, RecoveryMetrics metrics);

  // One look at the store: keep, adopt, or rebuild (when this worker gets the lock); then,
  // every audit_every, the audit of rebuilt parkings. An error when the store did not answer
  // (a failed rebuild or audit is logged, and tried again on a later look).
  boost::system::result<void, Failure> check();

 private:
  bool rebuild(const std::string& run_id);
  void audit();

  ParkingRecoverySettings settings_;
  std::shared_ptr<StoreGeneration> generation_;
  RecoveryMetrics metrics_;
  std::unique_ptr<ParkingStore> store_;
  std::chrono::steady_clock::time_point next_audit_{};
};

}  // namespace paynotify::worker
