// paynotify reconcile: asks Antom what became of a payment or a refund (inquiryPayment,
// inquiryRefund) and publishes what its signed answer stands for to the main topic, as the
// notifications Antom would have sent (common/antom/inquiry.hpp). The worker applies them like
// any notification: one that was applied already is a duplicate there, by its event id.
#include <atomic>
#include <chrono>
#include <iostream>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "common/antom/antom_api_options.hpp"
#include "common/antom/recovered_record.hpp"
#include "common/kafka/kafka_producer.hpp"
#include "common/service/antom_key_options.hpp"

namespace paynotify::cli {
namespace {

using By = InquiryTarget::By;

struct TargetOption {
  const char* option;
  By by;
};
constexpr TargetOption kTargets[] = {{"payment-id", By::payment_id},
                                     {"payment-request-id", By::payment_request_id},
                                     {"refund-id", By::refund_id},
                                     {"refund-request-id", By::refund_request_id}};

std::vector<OptionSpec> reconcile_options() {
  std::vector<OptionSpec> specs = {
      {"payment-id", "", "ask about this payment (Antom's paymentId)"},
      {"payment-request-id", "", "... or this one (the merchant's paymentRequestId)"},
      {"refund-id", "", "ask about this refund (Antom's refundId)"},
      {"refund-request-id", "", "... or this one (the merchant's refundRequestId)"},
      {"dry-run", "", "print what would be published; publish nothing", true},
      {"kafka-brokers", "127.0.0.1:9092", "Kafka bootstrap servers"},
      {"topic", "antom.notifications", "the main topic the worker reads"},
  };
  for (auto& s : antom_key_option_specs()) specs.push_back(std::move(s));
  for (auto& s : antom_api_option_specs()) specs.push_back(std::move(s));
  return specs;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the answer says of the payment or refund itself, for the operator.
std::string state_of(InquiryApi api, const boost::json::object& answer) {
  const char* field = api == InquiryApi::payment ? "paymentStatus" : "refundStatus";
  const auto* v = answer.if_contains(field);
  return std::string(field) + " " +
         (v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string("absent"));
}

}  // namespace

int reconcile_command(const Args& args) {
  Options o("paynotify reconcile",
            "Asks Antom (inquiryPayment / inquiryRefund) about one payment or refund and publishes "
            "the notifications its signed answer stands for to the main topic, where the worker "
            "applies them like Antom's own: a result that was applied already is a duplicate "
            "there. Only final results are published (a payment or capture still processing "
            "stands for nothing yet).",
            reconcile_options());
  if (auto rc = parse_command_line(o, args)) return *rc;
  std::optional<InquiryTarget> target;
  for (const auto& t : kTargets) {
    if (o.str(t.option).empty()) continue;
    if (target) {
      std::cerr << "give one of --payment-id, --payment-request-id, --refund-id, "
                   "--refund-request-id\n";
      return 2;
    }
    target = InquiryTarget{t.by, o.str(t.option)};
  }
  if (!target) {
    std::cerr << "say what to ask about: --payment-id, --payment-request-id, --refund-id or "
                 "--refund-request-id\n";
    return 2;
  }
  std::optional<AntomApiSettings> settings;
  try {
    settings = antom_api_settings_from(o, antom_keys_from(o));
    if (!settings) throw ConfigError("--merchant-private-key is required to ask Antom");
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  std::unique_ptr<AntomApiClient> client;
  try {
    client = std::make_unique<AntomApiClient>(std::move(*settings));
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }

  const InquiryApi api = target->api();
  const char* api_name = api == InquiryApi::payment ? "inquiryPayment" : "inquiryRefund";
  const std::string asked =
      std::string(api_name) + " " + std::string(target->field()) + "=" + target->id;
  const AntomApiResult answer = client->inquire(*target);
  if (!answer) {
    std::cerr << asked << ": " << describe(answer.error()) << "\n";
    return 1;
  }
  const auto recovered = recovered_notifications(api, answer->json);
  std::cout << asked << ": Antom answered (signature verified, " << answer->tries
            << (answer->tries == 1 ? " try" : " tries") << "): " << state_of(api, answer->json)
            << "; " << recovered.size() << " final result(s)\n";
  const bool dry_run = o.flag("dry-run");
  const std::string topic = o.str("topic");
  std::vector<OutgoingRecord> records;
  for (const auto& n : recovered) {
    records.push_back(recovered_record(topic, *answer, n, now_ms()));
    std::cout << (dry_run ? "would publish " : "publishing ") << n.kind
              << " key=" << records.back().key << " " << n.body << "\n";
  }
  if (dry_run) {
    std::cout << "dry run: nothing published\n";
    return 0;
  }
  if (records.empty()) return 0;
  KafkaProducer producer({.brokers = o.str("kafka-brokers"),
                          .properties = o.kafka_properties(),
                          .message_timeout_ms = 10000,
                          .client_id = "paynotify-reconcile"});
  std::atomic<int> written{0};
  for (auto& r : records) {
    producer.publish(std::move(r), [&](const DeliveryResult& d) {
      if (d) {
        written.fetch_add(1);
      } else {
        std::cerr << "publishing failed: " << describe(d.error()) << "\n";
      }
    });
  }
  producer.flush_and_stop(30000);
  const int published = written.load();
  std::cout << "published " << published << " of " << recovered.size() << " to " << topic << "\n";
  return published == static_cast<int>(recovered.size()) ? 0 : 1;
}

}  // namespace paynotify::cli
