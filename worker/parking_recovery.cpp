#include "worker/parking_recovery.hpp"

#include <boost/json.hpp>

#include <set>

#include "common/kafka/topic_reader.hpp"
#include "common/service/log.hpp"
#include "worker/payment_event.hpp"
#include "worker/record_signature.hpp"
#include "worker/store/dedupe_store.hpp"

namespace paynotify::worker {
namespace {

namespace json = boost::json;

// KEYS parking, event state, parking position, audit set; ARGV event id, TTL s, position,
// audit member. Records come in offset order, so of one payment's records the last wins: an
// event is handed to the retry topic only once its payment's earlier ones have finished, so
// only the last can still be waiting. A parking set since the loss (no position) is live: kept.
const LuaScript kRestore(R"lua(
if redis.call('GET', KEYS[2]) == 'done' then return 'done' end
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('EXISTS', KEYS[3]) == 0 then return 'kept' end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[2])
redis.call('SADD', KEYS[4], ARGV[4])
return 'parked'
)lua");

// KEYS parking, parking position, audit set; ARGV event id, position, audit member, finished.
const LuaScript kLift(R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  redis.call('SREM', KEYS[3], ARGV[3])
  return 'gone'
end
if ARGV[4] ~= '1' then return 'live' end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[3])
return 'lifted'
)lua");

// KEYS lock, generation; ARGV owner, new generation. Minted only by the lock's holder.
const LuaScript kMint(R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[1])
return 1
)lua");

// KEYS lock; ARGV owner, lease ms (0: give it back).
const LuaScript kHoldLock(R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
)lua");

std::string position(int32_t partition, int64_t offset) {
  return std::to_string(partition) + ":" + std::to_string(offset);
}

struct AuditEntry {
  EventKey key;
  int32_t partition = -1;
  int64_t offset = -1;
};

std::string audit_member(const EventKey& key, int32_t partition, int64_t offset) {
  return json::serialize(
      json::array{json::string(key.order_key), json::string(key.event_id), partition, offset});
}

std::optional<AuditEntry> parse_audit_member(const std::string& member) {
  boost::system::error_code ec;
  const json::value v = json::parse(member, ec);
  const auto* a = ec ? nullptr : v.if_array();
  if (a == nullptr || a->size() != 4 || !(*a)[0].is_string() || !(*a)[1].is_string() ||
      !(*a)[2].is_int64() || !(*a)[3].is_int64()) {
    return std::nullopt;
  }
  return AuditEntry{{std::string((*a)[0].get_string()), std::string((*a)[1].get_string())},
                    static_cast<int32_t>((*a)[2].get_int64()),
                    (*a)[3].get_int64()};
}

}  // namespace

ParkingRecovery::ParkingRecovery(ParkingRecoverySettings settings,
                                 std::shared_ptr<StoreGeneration> generation,
                                 RecoveryMetrics metrics)
    : settings_(std::move(settings)),
      generation_(std::move(generation)),
      metrics_(metrics),
      redis_(settings_.redis) {
  settings_.kafka_properties["group.id"] = settings_.group;  // whose committed offsets to read
}

bool ParkingRecovery::check() {
  const std::string run_id = redis_.run_id();
  const auto seen = redis_.command({"GET", generation_key(settings_.scope)});
  if (!seen) {
    last_error_ = redis_.last_error();
    return false;
  }
  const std::optional<std::string> value =
      seen->type == RedisValue::Type::text ? std::optional<std::string>(seen->text) : std::nullopt;
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
  return true;
}

bool ParkingRecovery::rebuild(const std::string& run_id) {
  const std::string lease = std::to_string(settings_.rebuild_lock.count());
  const auto lock = redis_.command(
      {"SET", rebuild_lock_key(settings_.scope), settings_.owner, "NX", "PX", lease});
  if (!lock || lock->type == RedisValue::Type::nil)
    return false;  // another worker rebuilds: adopt its result
  const auto started = std::chrono::steady_clock::now();
  const auto give_up = [&](const std::string& error) {
    redis_.eval(kHoldLock, {rebuild_lock_key(settings_.scope)}, {settings_.owner, "0"});
    last_error_ = error;
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
    const auto out =
        redis_.eval(kRestore,
                    {parked_key(key), event_state_key(key), parked_at_key(key),
                     parking_audit_key(settings_.scope)},
                    {key.event_id, std::to_string(settings_.parking_ttl_s),
                     position(r.partition, r.offset), audit_member(key, r.partition, r.offset)});
    if (!out) return give_up("re-parking failed: " + redis_.last_error());
    if (out->text == "parked") restored.insert(key.order_key);
    if (out->text == "kept") kept.insert(key.order_key);
    if (i % 1000 == 999) {
      const auto held =
          redis_.eval(kHoldLock, {rebuild_lock_key(settings_.scope)}, {settings_.owner, lease});
      if (!held || held->integer != 1)
        return give_up("lost the rebuild lock: the rebuild took too long");
    }
  }
  const std::string minted = mint_generation(run_id);
  const auto done =
      redis_.eval(kMint, {rebuild_lock_key(settings_.scope), generation_key(settings_.scope)},
                  {settings_.owner, minted});
  if (!done || done->integer != 1)
    return give_up("lost the rebuild lock before minting the generation");
  generation_->adopt(minted, run_id);
  metrics_.rebuilds.inc();
  for (const auto& payment : restored) kept.erase(payment);
  metrics_.restored.inc(restored.size());
  metrics_.kept.inc(kept.size());
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
  const auto count = redis_.command({"SCARD", parking_audit_key(settings_.scope)});
  if (!count || count->integer == 0) return;
  const auto members = redis_.command({"SRANDMEMBER", parking_audit_key(settings_.scope), "1000"});
  if (!members) return;
  std::map<int32_t, int64_t> committed;
  try {
    committed = committed_offsets(settings_.kafka_brokers, settings_.kafka_properties,
                                  settings_.retry_topic, std::chrono::seconds(10));
  } catch (const std::exception& e) {
    last_error_ = e.what();
    return;  // the next audit tries again; a parking kept a little longer only delays
  }
  for (const auto& m : members->elements) {
    const auto entry = parse_audit_member(m.text);
    if (!entry) {
      redis_.command({"SREM", parking_audit_key(settings_.scope), m.text});
      continue;
    }
    const auto c = committed.find(entry->partition);
    const bool finished = c != committed.end() && c->second > entry->offset;
    const auto out = redis_.eval(
        kLift,
        {parked_key(entry->key), parked_at_key(entry->key), parking_audit_key(settings_.scope)},
        {entry->key.event_id, position(entry->partition, entry->offset), m.text,
         finished ? "1" : "0"});
    if (out && out->text == "lifted") {
      metrics_.stale_lifted.inc();
      log_event(spdlog::level::info, "rebuilt_parking_lifted",
                {{"paymentId", entry->key.order_key},
                 {"eventId", entry->key.event_id},
                 {"retryPartition", entry->partition},
                 {"retryOffset", entry->offset}});
    }
  }
}

}  // namespace paynotify::worker
