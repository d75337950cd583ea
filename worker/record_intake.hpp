#pragma once
// What a consumed record is to the worker, decided before any command runs: where it comes
// from (a retry's round and not-before), its event or why it has none (unsigned, invalid,
// unsupported, stale), the order call, and whether the payment's ledger follows it. Pure: the
// driver hands its answer to record_flow as the first observation.

#include <cstdint>
#include <optional>
#include <string>

#include "worker/ledger_facts.hpp"
#include "worker/order_client.hpp"
#include "worker/record_consumer.hpp"
#include "worker/record_flow.hpp"
#include "worker/store/dedupe_store.hpp"

namespace paynotify::worker {

struct IntakeSettings {
  int64_t stale_after_ms = 6LL * 86400 * 1000;  // 0: off
  bool ledger = true;
};

struct RecordIntake {
  RecordOrigin origin;
  std::string kind;      // for the per-kind metric; "UNSIGNED" when the signature did not verify
  EventKey key;          // an empty event id: no event
  SharedOrderCall call;  // set when there is an event to apply
  std::optional<LedgerFacts> ledger_facts;  // the ledger follows this event
  int64_t received_at_ms = 0;               // the ingest's receipt; 0 when absent
  Derived derived;                          // record_flow's first observation
};

// unsigned_reason: why the record's signature did not verify (record_signature.hpp), when it
// did not; its body is then never read. now_ms stands in for a missing received-at, so that a
// replay cannot hide its age by dropping the header.
RecordIntake take_in(const ConsumedMessage& record, bool from_retry_topic,
                     const std::optional<std::string>& unsigned_reason,
                     const IntakeSettings& settings, int64_t now_ms);

}  // namespace paynotify::worker
