#pragma once
// `paynotify trace`'s picture of one payment, assembled from what was read (pure; the reading
// is trace_command.cpp's): its records in the main, retry, dead-letter and anomalies topics,
// each event's dedupe state in Redis and what became of it, its parking and its ledger.

#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/kafka/topic_reader.hpp"
#include "worker/redis/redis_event_states.hpp"
#include "worker/store/dedupe_store.hpp"

namespace paynotify::cli {

struct TraceInput {
  std::string payment_id;
  std::string main_topic;               // the others are <main>.retry, .dlq, .anomalies
  std::vector<ConsumedRecord> records;  // of the payment, any of the four topics, any order
  std::map<std::string, worker::EventState> states;  // by event id
  std::string parked_behind;                         // "" when not parked
  std::optional<worker::StoredLedger> ledger;        // none: Redis not asked
  std::optional<int64_t> next_deadline_ms;
};

// The event id a record of the main, retry or dead-letter topic carries; "" for an anomaly or a
// record that derives no event.
std::string event_id_of(const ConsumedRecord& record, const std::string& main_topic);

// The event ids the payment's records name (main, retry and dead-letter topics), in order of
// first appearance: what to ask Redis about.
std::vector<std::string> traced_event_ids(const TraceInput& in);

// {"paymentId", "records": [...by time], "events": [...], "parkedBehind", "ledger",
//  "unpublishedAnomalies", "nextDeadlineCheck"}. Each record says its topic, partition, offset,
// time, kind and event id and its evidence (the signature's client id, request time, URI and key
// version, or the inquiry it was recovered from; never the signature); each event its state in
// Redis and its outcome: done, being applied, retrying (attempt, when, why), dead-lettered
// (class, why) or waiting.
boost::json::object payment_trace(const TraceInput& in);

// The same for a person: one line per record, then the events, the parking and the ledger.
std::string trace_text(const boost::json::object& trace);

}  // namespace paynotify::cli
