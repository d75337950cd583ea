#include <boost/json.hpp>

#include <iostream>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "common/kafka/record_headers.hpp"
#include "common/kafka/topic_reader.hpp"

namespace paynotify::cli {

int peek_command(const Args& args) {
  Options o(
      "paynotify peek",
      "Prints the records of a topic from its beginning as JSON lines (key, partition, offset, "
      "headers, value), without joining a consumer group. The signature header is redacted.",
      {
          {"kafka-brokers", "127.0.0.1:9092", "Kafka bootstrap servers"},
          {"topic", "antom.notifications", "topic to read"},
          {"max", "100", "stop after this many records"},
          {"timeout-ms", "3000", "stop after this long"},
      });
  if (auto rc = parse_command_line(o, args)) return *rc;
  const auto records =
      read_topic_from_start(o.str("kafka-brokers"), o.kafka_properties(), o.str("topic"),
                            static_cast<std::size_t>(o.integer("max", 1, 10'000'000)),
                            std::chrono::milliseconds(o.integer("timeout-ms", 1, 3'600'000)));
  for (const auto& r : records) {
    boost::json::object line;
    line["partition"] = r.partition;
    line["offset"] = r.offset;
    line["key"] = r.key;
    boost::json::object headers;
    for (const auto& [name, value] : r.headers)
      headers[name] = name == header::kSignature ? "<redacted>" : value;
    line["headers"] = std::move(headers);
    boost::system::error_code ec;
    auto value = boost::json::parse(r.value, ec);
    if (ec)
      line["valueText"] = r.value;
    else
      line["value"] = std::move(value);
    std::cout << boost::json::serialize(line) << "\n";
  }
  std::cerr << records.size() << " record(s) in " << o.str("topic") << "\n";
  return 0;
}

}  // namespace paynotify::cli
