#pragma once
// Real-broker helpers for integration tests: fresh topics and reading back what landed.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/kafka/topic_reader.hpp"

namespace paynotify::testing {

// PAYNOTIFY_KAFKA_BROKERS as tests/run.sh sets it; the test fails (not skips) without it.
std::string kafka_brokers();

// PAYNOTIFY_REDIS as tests/run.sh sets it.
std::string redis_address();

// A topic name no other test uses, created with `partitions` partitions.
std::string fresh_topic(const std::string& prefix, int partitions = 3);

using paynotify::ConsumedRecord;

// Reads every partition of `topic` from the start until `expected` records arrived or
// `timeout` passed (then returns what it has; it reads no further than the end it saw).
std::vector<ConsumedRecord> read_topic(
    const std::string& topic, std::size_t expected,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace paynotify::testing
