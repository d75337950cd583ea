#pragma once
// Reads a topic from its beginning without joining a consumer group: for `paynotify peek`,
// the demo and the tests. Not the worker's consumer.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paynotify {

struct ConsumedRecord {
  std::string topic;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp_ms = -1;
  // The header's value, or "" when the record has none.
  std::string_view header(std::string_view name) const;
};

// Returns once `max_records` arrived or `timeout` passed, whichever is first.
// from_committed: start at the offsets committed for properties["group.id"] (else the start).
// Throws std::runtime_error when the topic's metadata cannot be had.
std::vector<ConsumedRecord> read_topic_from_start(
    const std::string& brokers, const std::map<std::string, std::string>& properties,
    const std::string& topic, std::size_t max_records, std::chrono::milliseconds timeout,
    bool from_committed = false);

// Commits, for properties["group.id"], the position after the last of `records` per partition.
void commit_read_position(const std::string& brokers,
                          const std::map<std::string, std::string>& properties,
                          const std::vector<ConsumedRecord>& records);

// The offsets committed for properties["group.id"] on each partition of `topic` (partitions
// without a commit are left out). Throws std::runtime_error when the broker does not answer.
std::map<int32_t, int64_t> committed_offsets(const std::string& brokers,
                                             const std::map<std::string, std::string>& properties,
                                             const std::string& topic,
                                             std::chrono::milliseconds timeout);

// Every record of `topic` from the group's committed offsets (the start where there is none)
// up to the end each partition had when the call began, in offset order per partition. Throws
// std::runtime_error when that end cannot be reached within `timeout`: a partial answer would
// look like a complete one.
std::vector<ConsumedRecord> read_topic_past_commit(
    const std::string& brokers, const std::map<std::string, std::string>& properties,
    const std::string& topic, std::chrono::milliseconds timeout);

// The records of `topic` written at or after `since_ms` — of the partition `key` maps to, or of
// every partition without a key — up to the end each had when the call began (at most
// max_per_partition per partition read), in offset order per partition. Throws
// std::runtime_error when that end cannot be reached within `timeout`.
std::vector<ConsumedRecord> read_since(const std::string& brokers,
                                       const std::map<std::string, std::string>& properties,
                                       const std::string& topic,
                                       std::optional<std::string_view> key, int64_t since_ms,
                                       std::size_t max_per_partition,
                                       std::chrono::milliseconds timeout);

}  // namespace paynotify
