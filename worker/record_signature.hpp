#pragma once
// The worker's own check of each record's evidence: the Antom signature the ingest verified,
// carried in the record's antom-* headers, verified again with the same keys before anything
// reads the body. Without it, anyone who can write to the main or retry topic could mark
// orders paid; with it, only what Antom signed is applied (README "Who may write what").

#include <optional>
#include <string>

#include "common/antom/key_registry.hpp"
#include "common/kafka/topic_reader.hpp"
#include "worker/record_consumer.hpp"

namespace paynotify::worker {

// Why the record does not carry a valid Antom signature of its value (a short reason, safe
// to log and to put in the dead-letter record: never a key or the signature), or nothing
// when it does.
std::optional<std::string> unsigned_record(const ConsumedMessage& record, const KeyRegistry& keys);
// The same for a record read by the parking rebuild (common/kafka/topic_reader.hpp).
std::optional<std::string> unsigned_record(const ConsumedRecord& record, const KeyRegistry& keys);

}  // namespace paynotify::worker
