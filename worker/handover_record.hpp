#pragma once
// The record handed to the retry or the dead-letter topic: the consumed record as it came
// (value, key, Antom's headers: the evidence stays verifiable), where it first came from, and
// the round's control headers. Pure.

#include <string>

#include "common/kafka/publisher.hpp"
#include "worker/record_consumer.hpp"
#include "worker/record_flow.hpp"

namespace paynotify::worker {

OutgoingRecord handover_record(const ConsumedMessage& consumed, const Divert& divert,
                               std::string topic);

}  // namespace paynotify::worker
