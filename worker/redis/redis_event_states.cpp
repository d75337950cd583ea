#include "worker/redis/redis_event_states.hpp"

#include "worker/redis/redis_scripts.hpp"

namespace paynotify::worker {

std::string_view describe(EventState::Is is) {
  switch (is) {
    case EventState::Is::unknown: return "unknown";
    case EventState::Is::done: return "done";
    case EventState::Is::claimed: return "claimed";
  }
  return "unknown";
}

RedisEventStates::RedisEventStates(RedisSettings settings) : redis_(std::move(settings)) {}

StoreResult<EventState> RedisEventStates::state(const EventKey& key) {
  const std::string name = event_state_key(key);
  const auto replies = redis_.pipeline({{"GET", name}, {"PTTL", name}});
  if (!replies) return store_reply(std::nullopt, redis_, "event_state").error();
  for (const auto& r : *replies) {
    if (r.type == RedisValue::Type::error) return store_reply(r, redis_, "event_state").error();
  }
  EventState s;
  const RedisValue& value = (*replies)[0];
  if (value.type == RedisValue::Type::text) {
    s.is = value.text == "done" ? EventState::Is::done : EventState::Is::claimed;
    if (s.is == EventState::Is::claimed) s.owner = value.text;
  }
  s.ttl_ms = (*replies)[1].integer;
  return s;
}

StoreResult<std::string> RedisEventStates::parked_behind(const std::string& order_key) {
  auto reply = store_reply(redis_.command({"GET", parked_key(EventKey{order_key, {}})}), redis_,
                           "parked_behind");
  if (!reply) return reply.error();
  return reply->type == RedisValue::Type::text ? reply->text : std::string();
}

}  // namespace paynotify::worker
