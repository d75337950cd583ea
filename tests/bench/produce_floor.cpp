// paynotify-produce-floor: the least librdkafka costs for the ingest's records, so
// floor_bench.sh can say how much of the ingest's CPU per acknowledgement is the producer's
// (issue #19). Our own adapter (KafkaProducer, configured as ingest/main.cpp does) publishes
// records shaped like the ingest's, closed loop: --in-flight records outstanding, the next one
// produced as soon as a delivery report proves one written (an offset), as the load
// generator's keep-alive connections each wait for their answer. Nothing else: no HTTP, no
// verification, no hand-over to another thread. Benchmarks only; never shipped.
//
// stdout: {"phase":"measuring"} when the measured window opens (after --warmup-s), then the
// figures as one JSON line once it has closed and every record is back. Its CPU is read from
// outside between the two lines; --hold keeps the process alive for that until SIGTERM.
#include <boost/json.hpp>

#include <array>
#include <atomic>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "common/antom/notification.hpp"
#include "common/antom/request_time.hpp"
#include "common/antom/signature_header.hpp"
#include "common/kafka/kafka_producer.hpp"
#include "common/kafka/record_headers.hpp"
#include "common/service/ids.hpp"
#include "common/service/log.hpp"
#include "common/service/options.hpp"
#include "common/service/service_main.hpp"

using namespace paynotify;
using Clock = std::chrono::steady_clock;

namespace {

// What NotificationIntake::decide writes for one of the load generator's notifications: its
// card PAYMENT_RESULT body (load_generator.cpp), key and the same eight headers, same sizes.
OutgoingRecord ingest_record(const std::string& topic, const std::string& id, int64_t now_ms,
                             std::mt19937& random) {
  const std::string paid_at = iso8601_utc(now_ms - 1000);
  std::string body =
      R"({"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"order-)" +
      id + R"(","paymentId":")" + id +
      R"(","paymentAmount":{"value":"4200","currency":"SGD"},"paymentCreateTime":")" + paid_at +
      R"(","paymentTime":")" + paid_at +
      R"(","paymentResultInfo":{"cardNo":"************4242","cardBrand":"VISA","funding":"CREDIT","issuingCountry":"SG"}})";
  std::string signature(256, '\0');  // an RSA-2048 signature's bytes: 344 base64 characters
  for (char& c : signature) c = static_cast<char>(random() & 0xff);
  const NotificationRoute route = route_notification(body);
  std::string ingest_id = new_ingest_id();
  OutgoingRecord record{topic, partition_key(route, ingest_id), std::move(body), {}};
  record.headers = {{std::string(header::kClientId), "SANDBOX_BENCH"},
                    {std::string(header::kRequestTime), std::to_string(now_ms)},
                    {std::string(header::kSignature), format_signature_header("1", signature)},
                    {std::string(header::kRequestUri), "/notifications/antom"},
                    {std::string(header::kNotifyType), route.kind},
                    {std::string(header::kReceivedAt), std::to_string(now_ms)},
                    {std::string(header::kIngestId), std::move(ingest_id)},
                    {std::string(header::kTraceparent), new_traceparent()}};
  return record;
}

struct ClosedLoop {
  Publisher* publisher = nullptr;
  std::vector<OutgoingRecord> records;
  std::atomic<uint64_t> next{0};
  std::atomic<bool> producing{true};
  std::atomic<int64_t> outstanding{0};
  std::atomic<uint64_t> delivered{0}, failed{0};
  std::mutex mu;
  std::string first_failure;  // under mu
};

// Called again from the delivery report, on the producer's thread: the cheapest next produce.
void produce_next(ClosedLoop& loop) {
  const uint64_t i = loop.next.fetch_add(1);
  loop.outstanding.fetch_add(1);
  // Views of a kept record, as the ingest hands librdkafka views of its request.
  const OutgoingRecord& record = loop.records[i % loop.records.size()];
  std::array<RecordHeaderView, 8> headers;
  std::size_t count = 0;
  for (const auto& [name, value] : record.headers) headers.at(count++) = {name, value};
  const RecordView view{record.topic, record.key, record.value, {headers.data(), count}};
  loop.publisher->publish_view(view, [&loop](const DeliveryResult& r) {
    if (r && r->offset >= 0) {
      loop.delivered.fetch_add(1);
      if (loop.producing.load()) produce_next(loop);
    } else {
      // Ends its slot: a record that cannot be queued is reported inside publish(), and
      // producing again from here would recurse. The figures show how many.
      if (loop.failed.fetch_add(1) == 0) {
        std::lock_guard lock(loop.mu);
        loop.first_failure = r ? "no offset" : describe(r.error());
      }
    }
    loop.outstanding.fetch_sub(1);
  });
}

}  // namespace

int main(int argc, char** argv) {
  Options o("paynotify-produce-floor",
            "Publishes ingest-shaped records through KafkaProducer in a closed loop and prints "
            "delivered records per second (benchmarks only).",
            {{"kafka-brokers", "127.0.0.1:9092", "bootstrap servers"},
             {"topic", "bench.notifications", "topic to write (must exist)"},
             {"in-flight", "64", "records outstanding at any time"},
             {"seconds", "8", "measured window"},
             {"warmup-s", "1", "producing before the window opens"},
             {"distinct", "1000", "distinct notifications (payment ids, so keys) cycled through"},
             {"hold", "", "after the figures, wait for SIGTERM or SIGINT before stopping", true}});
  try {
    if (o.parse({argv + 1, argv + argc}, {}) != Options::Outcome::run) {
      std::cout << o.help_text(false);
      return 0;
    }
    init_logging("produce-floor", "warn");  // to stderr: stdout holds the figures alone
    const sigset_t stop_signals = block_stop_signals();
    const std::string topic = o.str("topic");
    const auto in_flight = o.integer("in-flight", 1, 100'000);
    const auto window = std::chrono::seconds(o.integer("seconds", 1, 3600));
    ClosedLoop loop;
    std::mt19937 random(19);
    const int64_t now_ms = epoch_now_ms();
    for (int64_t i = 0; i < o.integer("distinct", 1, 1'000'000); ++i)
      loop.records.push_back(ingest_record(topic, "floor-" + std::to_string(i), now_ms, random));

    // As ingest/main.cpp configures it, with the ingest's defaults (ingest_config.cpp);
    // --kafka-prop passes properties through as the ingest's does.
    KafkaProducer producer({.brokers = o.str("kafka-brokers"),
                            .properties = o.kafka_properties(),
                            .message_timeout_ms = 5000,
                            .queue_max_messages = 100000,
                            .max_in_flight = 5,
                            .served_topic = topic});
    loop.publisher = &producer;
    for (int64_t i = 0; i < in_flight; ++i) produce_next(loop);
    std::this_thread::sleep_for(std::chrono::seconds(o.integer("warmup-s", 0, 600)));

    const uint64_t delivered0 = loop.delivered.load();
    const auto opened = Clock::now();
    std::cout << R"({"phase":"measuring"})" << std::endl;
    std::this_thread::sleep_for(window);
    loop.producing.store(false);
    for (int i = 0; i < 10000 && loop.outstanding.load() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const double seconds = std::chrono::duration<double>(Clock::now() - opened).count();
    const uint64_t delivered = loop.delivered.load() - delivered0;
    std::string first_failure;
    {
      std::lock_guard lock(loop.mu);
      first_failure = loop.first_failure;
    }
    std::cout << boost::json::serialize(
                     boost::json::object{{"delivered", delivered},
                                         {"per_s", static_cast<double>(delivered) / seconds},
                                         {"seconds", seconds},
                                         {"in_flight", in_flight},
                                         {"failed", loop.failed.load()},
                                         {"outstanding", loop.outstanding.load()},
                                         {"first_failure", first_failure}})
              << std::endl;
    if (o.flag("hold")) wait_for_stop_signal(stop_signals);
    producer.flush_and_stop(5000);
    return loop.failed.load() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "paynotify-produce-floor: " << e.what() << "\n";
    return 2;
  }
}
