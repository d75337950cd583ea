#include "worker/engine_record.hpp"

#include "worker/record_signature.hpp"

namespace paynotify::worker {

EngineRecord EngineRecord::taken(ConsumedMessage message, std::string_view retry_topic,
                                 std::string_view process_owner, const KeyRegistry* keys) {
  EngineRecord r;
  r.bytes = static_cast<int64_t>(message.bytes());
  r.from_retry_topic = message.topic == retry_topic;
  r.owner.append(process_owner).append("/").append(message.topic).append("/");
  r.owner.append(std::to_string(message.partition)).append("/");
  r.owner.append(std::to_string(message.offset));
  r.message = std::move(message);
  if (keys != nullptr) r.unsigned_reason = unsigned_record(r.message, *keys);
  return r;
}

}  // namespace paynotify::worker
