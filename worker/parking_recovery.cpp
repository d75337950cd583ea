#include "worker/parking_recovery.hpp"

#include <set>

#include "common/kafka/topic_reader.hpp"
#include "common/service/log.hpp"
#include "worker/payment_event.hpp"
#include "worker/record_signature.hpp"

namespace paynotify::worker {

ParkingRecovery::ParkingRecovery(ParkingRecoverySettings settings,
                                 std::unique_ptr<ParkingStore> store,
                                 std::shared_ptr<StoreGeneration> generation,
                                 RecoveryMetrics metrics)
    : settings_(std::move(settings)),
      generation_(std::move(generation)),
      metrics_(metrics),
      store_(std::move(store)) {
  settings_.kafka_properties["group.id"] = settings_.group;  // whose committed offsets to read
}

boost::system::result<void, Failure> ParkingRecovery::check() {
  const auto seen = store_->read_generation();
  if (!seen) return Failure{seen.error(), store_->failure_detail()};
  const std::optional<std::string>& value = seen->value;
  const std::string& run_id = seen->server_run_id;
  switch (decide_generation(generation_->trusted(), generation_->value(), value, run_id)) {
    case GenerationStep::keep: break;
    case GenerationStep::adopt:
      generation_->adopt(*value, run_id);
      log_event(spdlog::level::info, "redis_generation_adopted", {{"generation", *value}});
      break;
    case GenerationStep::rebuild: {
      const std::string why = value ? "Redis restarted or failed over since the parking was last "
                                      "rebuilt: its last writes may be lost"
                                    : "Redis holds no generation: it is new or it lost its data";
      if (generation_->distrust(why))
        log_event(spdlog::level::warn, "redis_data_loss_suspected", {{"reason", why}});
      rebuild(run_id);
      break;
    }
  }
  if (generation_->trusted() && std::chrono::steady_clock::now() >= next_audit_) {
    audit();
    next_audit_ = std::chrono::steady_clock::now() + settings_.audit_every;
  }
  return {};
}

bool ParkingRecovery::rebuild(const std::string& run_id) {
  const int64_t lease = settings_.rebuild_lock.count();
  const auto lock = store_->take_rebuild_lock(settings_.owner, lease);
  if (!lock || !*lock) return false;  // another worker rebuilds: adopt its result
  const auto started = std::chrono::steady_clock::now();
  const auto give_up = [&](const std::string& error) {
    (void)store_->give_back_rebuild_lock(settings_.owner);
    log_event(spdlog::level::err, "parking_rebuild_failed", {{"error", error}});
    return false;
  };
  std::vector<ConsumedRecord> records;
  try {
    records = read_topic_past_commit(settings_.kafka_brokers, settings_.kafka_properties,
                                     settings_.retry_topic, settings_.read_timeout);
  } catch (const std::exception& e) {
    return give_up(e.what());
  }
  // Payments, each counted once: a later record of one may replace an earlier one.
  std::set<std::string> restored;
  std::set<std::string> kept;  // parked again since the loss, by a try that failed meanwhile
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (settings_.record_keys && unsigned_record(r, *settings_.record_keys))
      continue;  // a forgery parks nothing
    const auto derived = derive_event(r.value, 0);
    if (!derived.event) continue;  // never parked anything: dead-lettered on its first pass
    const EventKey key{derived.event->order_key, derived.event->event_id};
    const auto out = store_->restore_parking(key, settings_.parking_ttl_s, {r.partition, r.offset});
    if (!out) return give_up("re-parking failed: " + store_->failure_detail());
    if (*out == Restored::parked) restored.insert(key.order_key);
    if (*out == Restored::kept) kept.insert(key.order_key);
    if (i % 1000 == 999) {
      const auto held = store_->hold_rebuild_lock(settings_.owner, lease);
      if (!held || !*held) return give_up("lost the rebuild lock: the rebuild took too long");
    }
  }
  const std::string minted = mint_generation(run_id);
  const auto done = store_->install_generation(settings_.owner, minted);
  if (!done || !*done) return give_up("lost the rebuild lock before minting the generation");
  generation_->adopt(minted, run_id);
  metrics_.rebuilds.Increment();
  for (const auto& payment : restored) kept.erase(payment);
  metrics_.restored.Increment(static_cast<double>(restored.size()));
  metrics_.kept.Increment(static_cast<double>(kept.size()));
  log_event(spdlog::level::warn, "parking_rebuilt",
            {{"retryRecords", records.size()},
             {"paymentsParked", restored.size()},
             {"paymentsKept", kept.size()},
             {"generation", minted},
             {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count()}});
  return true;
}

void ParkingRecovery::audit() {
  const auto parkings = store_->rebuilt_parkings(1000);
  if (!parkings || parkings->empty()) return;
  std::map<int32_t, int64_t> committed;
  try {
    committed = committed_offsets(settings_.kafka_brokers, settings_.kafka_properties,
                                  settings_.retry_topic, std::chrono::seconds(10));
  } catch (const std::exception& e) {
    // The next audit tries again; a parking kept a little longer only delays.
    log_event(spdlog::level::warn, "parking_audit_failed", {{"error", e.what()}});
    return;
  }
  for (const auto& p : *parkings) {
    const auto c = committed.find(p.at.partition);
    const bool finished = c != committed.end() && c->second > p.at.offset;
    const auto out = store_->lift_rebuilt_parking(p, finished);
    if (out && *out == Lifted::lifted) {
      metrics_.stale_lifted.Increment();
      log_event(spdlog::level::info, "rebuilt_parking_lifted",
                {{"paymentId", p.key.order_key},
                 {"eventId", p.key.event_id},
                 {"retryPartition", p.at.partition},
                 {"retryOffset", p.at.offset}});
    }
  }
}

}  // namespace paynotify::worker
