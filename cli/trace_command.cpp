// paynotify trace: everything paynotify knows about one payment, in one place (payment_trace.hpp):
// its records in the main, retry, dead-letter and anomalies topics (only the partition its key
// maps to, from --since), each event's state in Redis and outcome, its parking and its ledger.
#include <chrono>
#include <iostream>

#include <boost/json/serialize.hpp>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "cli/payment_trace.hpp"
#include "common/antom/encoding.hpp"
#include "common/antom/request_time.hpp"
#include "worker/redis/redis_ledger_store.hpp"

namespace paynotify::cli {
namespace {

// The record key an event id's payment has: its second part (join_event_id: percent-encoded
// parts joined by ':'), the paymentId, or a refund's refundRequestId.
std::string key_of_event(const std::string& event_id) {
  const auto first = event_id.find(':');
  if (first == std::string::npos) return {};
  const auto second = event_id.find(':', first + 1);
  const auto part = event_id.substr(
      first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  return percent_decode(part).value_or(std::string());
}

struct Reading {
  std::string brokers;
  std::map<std::string, std::string> properties;
  int64_t since_ms = 0;
  std::size_t max_records = 0;
  std::chrono::milliseconds timeout{0};
};

// The records keyed `key` (or, with no key, those whose value names `refund_id`) in `topic`.
std::vector<ConsumedRecord> records_of(const Reading& how, const std::string& topic,
                                       const std::string& key, const std::string& refund_id) {
  auto records = read_since(how.brokers, how.properties, topic,
                            key.empty() ? std::nullopt : std::optional<std::string_view>(key),
                            how.since_ms, how.max_records, how.timeout);
  const std::string refund_field = "\"refundId\":\"" + refund_id + "\"";
  std::erase_if(records, [&](const ConsumedRecord& r) {
    return key.empty() ? r.value.find(refund_field) == std::string::npos : r.key != key;
  });
  return records;
}

}  // namespace

int trace_command(const Args& args) {
  std::vector<OptionSpec> specs = {
      {"payment-id", "", "the payment to trace (Antom's paymentId: the records' key)"},
      {"event-id", "", "... or one event (as the worker logs it: KIND:<paymentId>:...)"},
      {"refund-id", "",
       "... or a refund, by Antom's refundId (refunds carry no paymentId: every partition is "
       "read)"},
      {"since", "14d", "read the topics from this long ago"},
      {"json", "", "print JSON, for tools", true},
      {"max-records", "100000", "read at most this many records per partition"},
      {"timeout-ms", "20000", "time allowed for reading each topic"},
      {"kafka-brokers", "127.0.0.1:9092", "Kafka bootstrap servers"},
      {"topic", "antom.notifications", "the main topic (.retry, .dlq and .anomalies beside it)"},
  };
  for (auto& s : worker::redis_option_specs("the worker's Redis")) specs.push_back(std::move(s));
  Options o("paynotify trace",
            "Everything paynotify knows about one payment: its records in the main, retry, "
            "dead-letter and anomalies topics (the partition its key maps to, from --since), each "
            "event's state in Redis and what became of it, its parking and its ledger.",
            std::move(specs));
  if (auto rc = parse_command_line(o, args)) return *rc;
  const int given = (o.str("payment-id").empty() ? 0 : 1) + (o.str("event-id").empty() ? 0 : 1) +
                    (o.str("refund-id").empty() ? 0 : 1);
  if (given != 1) {
    std::cerr << "give one of --payment-id, --event-id, --refund-id\n";
    return 2;
  }
  Reading how{o.str("kafka-brokers"), o.kafka_properties(),
              epoch_now_ms() - o.duration_ms("since", 0, 365LL * 86400 * 1000),
              static_cast<std::size_t>(o.integer("max-records", 1, 10'000'000)),
              std::chrono::milliseconds(o.integer("timeout-ms", 100, 600'000))};
  std::string key = o.str("payment-id");
  if (!o.str("event-id").empty()) {
    key = key_of_event(o.str("event-id"));
    if (key.empty()) {
      std::cerr << "--event-id: not an event id (KIND:<paymentId>:...)\n";
      return 2;
    }
  }
  const std::string main_topic = o.str("topic");
  TraceInput in;
  in.main_topic = main_topic;
  for (const auto& topic :
       {main_topic, main_topic + ".retry", main_topic + ".dlq", main_topic + ".anomalies"}) {
    try {
      for (auto& r : records_of(how, topic, key, o.str("refund-id"))) {
        if (key.empty()) key = r.key;  // a refund's: found where its refundId is
        in.records.push_back(std::move(r));
      }
    } catch (const std::exception& e) {
      std::cerr << "paynotify trace: " << e.what() << "\n";
      if (topic == main_topic) return 1;  // the others may not exist: said, and skipped
    }
  }
  if (key.empty()) {
    std::cerr << "no record names refund " << o.str("refund-id") << " since " << o.str("since")
              << "\n";
    return 1;
  }
  in.payment_id = key;
  if (!o.str("event-id").empty()) {
    const std::string wanted = o.str("event-id");
    // The event's records, and the payment's anomalies.
    std::erase_if(in.records, [&](const ConsumedRecord& r) {
      return r.topic != main_topic + ".anomalies" && event_id_of(r, main_topic) != wanted;
    });
  }
  // Redis: what the worker remembers. A Redis that does not answer leaves the topics' part.
  const auto settings = worker::redis_settings_from(o);
  worker::RedisEventStates states(settings);
  for (const auto& id : traced_event_ids(in)) {
    if (const auto s = states.state({key, id})) {
      in.states[id] = *s;
    } else {
      std::cerr << "Redis: " << s.error().message() << ": " << states.failure_detail() << "\n";
      break;
    }
  }
  if (const auto parked = states.parked_behind(key)) in.parked_behind = *parked;
  worker::RedisLedgerStore ledgers(settings, main_topic);
  if (const auto ledger = ledgers.read_ledger(key)) {
    in.ledger = *ledger;
    if (const auto next = ledgers.next_deadline(key)) in.next_deadline_ms = *next;
  }
  const auto trace = payment_trace(in);
  if (o.flag("json")) {
    std::cout << boost::json::serialize(trace) << "\n";
  } else {
    std::cout << trace_text(trace);
  }
  return 0;
}

}  // namespace paynotify::cli
