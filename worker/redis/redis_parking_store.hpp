#pragma once
// ParkingStore on Redis: one connection of its own (blocking, reconnect after any I/O error),
// each step one command or atomic Lua script (redis_scripts.hpp). Not thread-safe: one per
// thread (the health thread's recovery has its own; each store thread of the DedupePool too).

#include <string>

#include "worker/redis/redis_connection.hpp"
#include "worker/store/parking_store.hpp"

namespace paynotify::worker {

class RedisParkingStore final : public ParkingStore {
 public:
  // scope: the deployment's main topic, naming its generation, rebuild lock and audit.
  RedisParkingStore(RedisSettings settings, std::string scope);

  StoreResult<void> park(const EventKey& key, int64_t ttl_s) override;
  StoreResult<void> release(const EventKey& key, const std::string& owner) override;
  StoreResult<void> unpark(const EventKey& key, const std::string& owner) override;
  StoreResult<SeenGeneration> read_generation() override;
  StoreResult<bool> take_rebuild_lock(const std::string& owner, int64_t lease_ms) override;
  StoreResult<bool> hold_rebuild_lock(const std::string& owner, int64_t lease_ms) override;
  StoreResult<void> give_back_rebuild_lock(const std::string& owner) override;
  StoreResult<bool> install_generation(const std::string& owner, const std::string& value) override;
  StoreResult<Restored> restore_parking(const EventKey& key, int64_t ttl_s,
                                        RetryPosition at) override;
  StoreResult<std::vector<RebuiltParking>> rebuilt_parkings(std::size_t most) override;
  StoreResult<Lifted> lift_rebuilt_parking(const RebuiltParking& parking, bool finished) override;
  std::string failure_detail() const override { return redis_.last_error(); }

 private:
  StoreResult<void> release(const EventKey& key, const std::string& owner, bool unpark);

  RedisConnection redis_;
  std::string scope_;
};

}  // namespace paynotify::worker
