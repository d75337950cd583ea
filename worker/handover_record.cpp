#include "worker/handover_record.hpp"

#include "common/kafka/record_headers.hpp"

namespace paynotify::worker {

OutgoingRecord handover_record(const ConsumedMessage& m, const Divert& d, std::string topic) {
  OutgoingRecord out;
  out.topic = std::move(topic);
  out.key = m.key;
  out.value = m.value;
  bool has_origin = false;
  for (const auto& [name, value] : m.headers) {
    if (header::is_retry_control(name)) continue;  // this round's replace them
    if (header::is_origin(name)) has_origin = true;
    out.headers.emplace_back(name, value);
  }
  if (!has_origin) {  // the first hand-over: the main topic's coordinates, kept from now on
    out.headers.emplace_back(header::kOriginalTopic, m.topic);
    out.headers.emplace_back(header::kOriginalPartition, std::to_string(m.partition));
    out.headers.emplace_back(header::kOriginalOffset, std::to_string(m.offset));
  }
  out.headers.emplace_back(header::kAttempt, std::to_string(d.attempt));
  out.headers.emplace_back(header::kNotBefore, std::to_string(d.not_before_ms));
  if (d.failing_since_ms > 0)
    out.headers.emplace_back(header::kFailingSince, std::to_string(d.failing_since_ms));
  out.headers.emplace_back(header::kErrorClass, std::string(error_class_name(d.error_class)));
  out.headers.emplace_back(header::kError, d.error.substr(0, 1000));
  return out;
}

}  // namespace paynotify::worker
