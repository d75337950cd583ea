#include "worker/redis/redis_parking_store.hpp"

#include <boost/json.hpp>

#include "worker/redis/redis_scripts.hpp"
#include "worker/store/store_generation.hpp"

namespace paynotify::worker {
namespace {

namespace json = boost::json;

std::string position(RetryPosition at) {
  return std::to_string(at.partition) + ":" + std::to_string(at.offset);
}

// A rebuilt parking in the audit set: [payment, event id, partition, offset].
std::string audit_member(const RebuiltParking& p) {
  return json::serialize(json::array{json::string(p.key.order_key), json::string(p.key.event_id),
                                     p.at.partition, p.at.offset});
}

std::optional<RebuiltParking> parse_audit_member(const std::string& member) {
  boost::system::error_code ec;
  const json::value v = json::parse(member, ec);
  const auto* a = ec ? nullptr : v.if_array();
  if (a == nullptr || a->size() != 4 || !(*a)[0].is_string() || !(*a)[1].is_string() ||
      !(*a)[2].is_int64() || !(*a)[3].is_int64()) {
    return std::nullopt;
  }
  return RebuiltParking{{std::string((*a)[0].get_string()), std::string((*a)[1].get_string())},
                        {static_cast<int32_t>((*a)[2].get_int64()), (*a)[3].get_int64()}};
}

}  // namespace

RedisParkingStore::RedisParkingStore(RedisSettings settings, std::string scope)
    : redis_(std::move(settings)), scope_(std::move(scope)) {}

StoreResult<void> RedisParkingStore::park(const EventKey& key, int64_t ttl_s) {
  auto reply =
      store_reply(redis_.eval(kPark, {parked_key(key), event_state_key(key), parked_at_key(key)},
                              {key.event_id, std::to_string(ttl_s)}),
                  redis_, "park");
  if (!reply) return reply.error();
  return {};
}

StoreResult<void> RedisParkingStore::release(const EventKey& key, const std::string& owner) {
  return release(key, owner, false);
}

StoreResult<void> RedisParkingStore::unpark(const EventKey& key, const std::string& owner) {
  return release(key, owner, true);
}

StoreResult<void> RedisParkingStore::release(const EventKey& key, const std::string& owner,
                                             bool unpark) {
  auto reply =
      store_reply(redis_.eval(kRelease, {event_state_key(key), parked_key(key), parked_at_key(key)},
                              {owner, key.event_id, unpark ? "1" : "0"}),
                  redis_, unpark ? "unpark" : "release");
  if (!reply) return reply.error();
  return {};
}

StoreResult<SeenGeneration> RedisParkingStore::read_generation() {
  SeenGeneration seen{std::nullopt, redis_.run_id()};
  auto reply =
      store_reply(redis_.command({"GET", generation_key(scope_)}), redis_, "read_generation");
  if (!reply) return reply.error();
  if (reply->type == RedisValue::Type::text) seen.value = std::move(reply->text);
  return seen;
}

StoreResult<bool> RedisParkingStore::take_rebuild_lock(const std::string& owner, int64_t lease_ms) {
  auto reply = store_reply(redis_.command({"SET", rebuild_lock_key(scope_), owner, "NX", "PX",
                                           std::to_string(lease_ms)}),
                           redis_, "take_rebuild_lock");
  if (!reply) return StoreResult<bool>(boost::system::in_place_error, reply.error());
  return reply->type != RedisValue::Type::nil;
}

StoreResult<bool> RedisParkingStore::hold_rebuild_lock(const std::string& owner, int64_t lease_ms) {
  auto reply = store_reply(
      redis_.eval(kHoldRebuildLock, {rebuild_lock_key(scope_)}, {owner, std::to_string(lease_ms)}),
      redis_, "hold_rebuild_lock");
  if (!reply) return StoreResult<bool>(boost::system::in_place_error, reply.error());
  return reply->integer == 1;
}

StoreResult<void> RedisParkingStore::give_back_rebuild_lock(const std::string& owner) {
  auto reply = store_reply(redis_.eval(kHoldRebuildLock, {rebuild_lock_key(scope_)}, {owner, "0"}),
                           redis_, "give_back_rebuild_lock");
  if (!reply) return reply.error();
  return {};
}

StoreResult<bool> RedisParkingStore::install_generation(const std::string& owner,
                                                        const std::string& value) {
  auto reply =
      store_reply(redis_.eval(kInstallGeneration,
                              {rebuild_lock_key(scope_), generation_key(scope_)}, {owner, value}),
                  redis_, "install_generation");
  if (!reply) return StoreResult<bool>(boost::system::in_place_error, reply.error());
  return reply->integer == 1;
}

StoreResult<Restored> RedisParkingStore::restore_parking(const EventKey& key, int64_t ttl_s,
                                                         RetryPosition at) {
  auto reply = store_reply(redis_.eval(kRestoreParking,
                                       {parked_key(key), event_state_key(key), parked_at_key(key),
                                        parking_audit_key(scope_)},
                                       {key.event_id, std::to_string(ttl_s), position(at),
                                        audit_member(RebuiltParking{key, at})}),
                           redis_, "restore_parking");
  if (!reply) return reply.error();
  if (reply->text == "parked") return Restored::parked;
  if (reply->text == "kept") return Restored::kept;
  if (reply->text == "done") return Restored::done;
  return StoreError::bad_reply;
}

StoreResult<std::vector<RebuiltParking>> RedisParkingStore::rebuilt_parkings(std::size_t most) {
  const std::string audit = parking_audit_key(scope_);
  auto count = store_reply(redis_.command({"SCARD", audit}), redis_, "rebuilt_parkings");
  if (!count) return count.error();
  std::vector<RebuiltParking> parkings;
  if (count->integer == 0) return parkings;
  auto members = store_reply(redis_.command({"SRANDMEMBER", audit, std::to_string(most)}), redis_,
                             "rebuilt_parkings");
  if (!members) return members.error();
  for (const auto& m : members->elements) {
    if (auto p = parse_audit_member(m.text)) {
      parkings.push_back(std::move(*p));
    } else {
      redis_.command({"SREM", audit, m.text});  // unreadable: nothing to audit
    }
  }
  return parkings;
}

StoreResult<Lifted> RedisParkingStore::lift_rebuilt_parking(const RebuiltParking& p,
                                                            bool finished) {
  auto reply = store_reply(
      redis_.eval(kLiftParking,
                  {parked_key(p.key), parked_at_key(p.key), parking_audit_key(scope_)},
                  {p.key.event_id, position(p.at), audit_member(p), finished ? "1" : "0"}),
      redis_, "lift_rebuilt_parking");
  if (!reply) return reply.error();
  if (reply->text == "lifted") return Lifted::lifted;
  if (reply->text == "live") return Lifted::live;
  if (reply->text == "gone") return Lifted::gone;
  return StoreError::bad_reply;
}

}  // namespace paynotify::worker
