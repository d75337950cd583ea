#pragma once
// One consumed message on its way through the engine: what it is (its intake), who holds its
// lease, and what the engine counts it as.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/antom/key_registry.hpp"

#include "worker/record_consumer.hpp"
#include "worker/record_intake.hpp"
#include "worker/store/lease_store.hpp"

namespace paynotify::worker {

struct EngineRecord {
  ConsumedMessage message;
  std::string owner;  // the lease owner: this process and this record, so two copies of one
                      // event (a re-published retry, a partition given back) never share a lease
  bool from_retry_topic = false;               // the record key is the payment's lane otherwise
  int64_t bytes = 0;                           // counted against --max-in-flight-bytes
  bool started = false;                        // driven, not waiting to be (start_window.hpp)
  std::optional<std::string> unsigned_reason;  // set when the record's signature does not verify
  RecordIntake intake;                         // what the record is (record_intake.hpp)
  std::optional<StoredLedger> ledger_read;     // read with the claim, for the completion
  const EventKey& key() const { return intake.key; }

  // A record as it is taken in: weighed, its lease owner named after where it came from, and
  // its signature checked (against `keys`; not when null) before anything reads it.
  static EngineRecord taken(ConsumedMessage message, std::string_view retry_topic,
                            std::string_view process_owner, const KeyRegistry* keys);
};

}  // namespace paynotify::worker
