#include <librdkafka/rdkafka.h>

#include <iostream>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "common/kafka/kafka_producer.hpp"
#include "common/kafka/publisher.hpp"
#include "common/kafka/record_headers.hpp"
#include "common/kafka/topic_reader.hpp"

namespace paynotify::cli {
namespace {

// The worker's control headers; a replayed record starts over without them (and with a
// fresh retry budget).
bool is_dead_letter_header(const std::string& name) {
  return header::is_retry_control(name) || header::is_origin(name);
}

}  // namespace

int replay_command(const Args& args) {
  Options o(
      "paynotify replay",
      "Moves dead-lettered records back to the main topic, all of them or those matching the "
      "filters. "
      "Records already replayed are remembered through the consumer group --group, so a second run "
      "moves only what was dead-lettered since.",
      {
          {"kafka-brokers", "127.0.0.1:9092", "Kafka bootstrap servers"},
          {"topic", "antom.notifications", "main topic; the dead-letter topic is <topic>.dlq"},
          {"group", "paynotify-replay", "consumer group remembering what was replayed"},
          {"notify-type", "",
           "only records of this kind (PAYMENT_RESULT, DISPUTE, VAULTING, ...: the notify-type "
           "header)"},
          {"payment-id", "", "only records of this payment (the record key)"},
          {"error-class", "",
           "only records dead-lettered with this class (permanent, transient, not_found, "
           "invalid_record, unsupported_kind)"},
          {"dry-run", "", "list what would be replayed; move nothing", true},
          {"timeout-ms", "5000", "how long to read the dead-letter topic"},
      });
  if (auto rc = parse_command_line(o, args)) return *rc;
  const std::string brokers = o.str("kafka-brokers");
  const std::string main_topic = o.str("topic");
  const std::string dlq = main_topic + ".dlq";
  const bool dry_run = o.flag("dry-run");

  auto properties = o.kafka_properties();
  std::map<std::string, std::string> reader_props = properties;
  reader_props["group.id"] = o.str("group");
  const auto records =
      read_topic_from_start(brokers, reader_props, dlq, 10'000'000,
                            std::chrono::milliseconds(o.integer("timeout-ms", 100, 3'600'000)),
                            /*from_committed=*/true);
  std::vector<const ConsumedRecord*> chosen;
  for (const auto& r : records) {
    if (!o.str("notify-type").empty() && r.header(header::kNotifyType) != o.str("notify-type"))
      continue;
    if (!o.str("payment-id").empty() && r.key != o.str("payment-id")) continue;
    if (!o.str("error-class").empty() && r.header(header::kErrorClass) != o.str("error-class"))
      continue;
    chosen.push_back(&r);
  }
  for (const auto* r : chosen) {
    std::cout << (dry_run ? "would replay " : "replaying ") << dlq << "/" << r->partition << "@"
              << r->offset << " key=" << r->key << " notifyType=" << r->header(header::kNotifyType)
              << " errorClass=" << r->header(header::kErrorClass)
              << " error=" << r->header(header::kError) << "\n";
  }
  if (dry_run) {
    std::cout << chosen.size() << " of " << records.size()
              << " dead-lettered record(s) match; nothing moved\n";
    return 0;
  }
  KafkaProducer producer({.brokers = brokers,
                          .properties = properties,
                          .message_timeout_ms = 10000,
                          .client_id = "paynotify-replay"});
  std::atomic<int> failed{0}, pending{0};
  for (const auto* r : chosen) {
    OutgoingRecord out{main_topic, r->key, r->value, {}};
    for (const auto& [name, value] : r->headers) {
      if (!is_dead_letter_header(name)) out.headers.emplace_back(name, value);
    }
    pending.fetch_add(1);
    producer.publish(std::move(out), [&](const DeliveryResult& d) {
      if (!d) {
        failed.fetch_add(1);
        std::cerr << "replay failed: " << describe(d.error()) << "\n";
      }
      pending.fetch_sub(1);
    });
  }
  producer.flush_and_stop(30000);
  if (failed.load() > 0 || pending.load() > 0) {
    std::cerr
        << "not every record was replayed; the dead-letter offsets were not committed, run again\n";
    return 1;
  }
  // Remember what was read (matching or not) so the next run starts after it.
  commit_read_position(brokers, reader_props, records);
  std::cout << "replayed " << chosen.size() << " of " << records.size()
            << " dead-lettered record(s) to " << main_topic << "\n";
  return 0;
}

}  // namespace paynotify::cli
