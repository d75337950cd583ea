// paynotify reconcile: asks Antom what became of a payment or a refund (inquiryPayment,
// inquiryRefund), or of every authorization the worker's ledger holds with nothing captured,
// and publishes what each signed answer stands for to the main topic, as the notifications
// Antom would have sent (common/antom/inquiry.hpp). The worker applies them like any
// notification: one that was applied already is a duplicate there, by its event id.
#include <boost/json/parse.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "common/antom/antom_api_options.hpp"
#include "common/antom/recovered_record.hpp"
#include "common/antom/request_time.hpp"
#include "common/kafka/kafka_producer.hpp"
#include "common/service/antom_key_options.hpp"
#include "worker/payment_event.hpp"
#include "worker/payment_ledger.hpp"
#include "worker/redis/redis_event_states.hpp"
#include "worker/redis/redis_ledger_store.hpp"

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
      {"uncaptured", "",
       "ask about every authorization the worker's ledger holds with nothing captured that "
       "expires within --expiring-within (expired ones too), read from --redis",
       true},
      {"mark", "",
       "do not ask here: mark the --payment-id in --redis for the worker's reconciliation to ask "
       "about (where the merchant key lives only in the worker's Secret)",
       true},
      {"expiring-within", "8d", "with --uncaptured: how far ahead of now"},
      {"max", "1000", "with --uncaptured: ask about at most this many"},
      {"reconcile-rate", "5", "inquiries per second at most"},
      {"dry-run", "", "print what would be published; publish nothing", true},
      {"kafka-brokers", "127.0.0.1:9092", "Kafka bootstrap servers"},
      {"topic", "antom.notifications",
       "the main topic the worker reads (its ledger's deadline watch is kept per topic)"},
  };
  for (auto& s : antom_key_option_specs()) specs.push_back(std::move(s));
  for (auto& s : antom_api_option_specs()) specs.push_back(std::move(s));
  for (auto& s : worker::redis_option_specs("the worker's Redis (with --uncaptured)"))
    specs.push_back(std::move(s));
  return specs;
}

// What the answer says of the payment or refund itself, for the operator.
std::string state_of(InquiryApi api, const boost::json::object& answer) {
  const char* field = api == InquiryApi::payment ? "paymentStatus" : "refundStatus";
  const auto* v = answer.if_contains(field);
  return std::string(field) + " " +
         (v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string("absent"));
}

// Where the recovered records go: printed only (--dry-run), or published and counted.
class Publishing {
 public:
  Publishing(const Options& o, bool dry_run) : topic_(o.str("topic")), dry_run_(dry_run) {
    if (dry_run_) return;
    producer_ =
        std::make_unique<KafkaProducer>(KafkaProducerConfig{.brokers = o.str("kafka-brokers"),
                                                            .properties = o.kafka_properties(),
                                                            .message_timeout_ms = 10000,
                                                            .client_id = "paynotify-reconcile"});
  }

  void add(const SignedAnswer& answer, const RecoveredNotification& n, const std::string& known) {
    OutgoingRecord record = recovered_record(topic_, answer, n, epoch_now_ms());
    std::cout << (dry_run_ ? "  would publish " : "  publishing ") << n.kind
              << " key=" << record.key << known << " " << n.body << "\n";
    ++recovered_;
    if (dry_run_) return;
    producer_->publish(std::move(record), [this](const DeliveryResult& d) {
      if (d) {
        written_.fetch_add(1);
      } else {
        std::cerr << "publishing failed: " << describe(d.error()) << "\n";
      }
    });
  }

  // Waits for every delivery; true when each record is written (or nothing was to be).
  bool finish() {
    if (dry_run_) {
      std::cout << "dry run: " << recovered_ << " result(s) found, nothing published\n";
      return true;
    }
    producer_->flush_and_stop(30000);
    std::cout << "published " << written_.load() << " of " << recovered_ << " to " << topic_
              << "\n";
    return written_.load() == recovered_;
  }

 private:
  std::string topic_;
  bool dry_run_;
  std::unique_ptr<KafkaProducer> producer_;
  int recovered_ = 0;
  std::atomic<int> written_{0};
};

// With Redis (--redis given, or PAYNOTIFY_REDIS): what the worker knows of each result an answer
// stands for — applied already, or new — and where the answer contradicts the payment's ledger
// (the check the worker's reconciliation makes: check_inquiry, INQUIRY_DISAGREES).
class Comparison {
 public:
  explicit Comparison(const Options& o) {
    if (!o.given("redis")) return;
    const auto settings = worker::redis_settings_from(o);
    states_.emplace(settings);
    ledgers_.emplace(settings, o.str("topic"));
  }

  // " (new: ...)", " (applied already ...)"; "" without Redis or when it does not answer.
  std::string judge(const RecoveredNotification& n) {
    if (!states_) return {};
    const auto derived = worker::derive_event(n.body, epoch_now_ms());
    if (!derived.event) return " (not an event the worker can apply: " + derived.error + ")";
    const auto state = states_->state({derived.event->order_key, derived.event->event_id});
    if (!state) return " (Redis: " + state.error().message() + ")";
    switch (state->is) {
      case worker::EventState::Is::done: ++known_; return " (applied already: a duplicate)";
      case worker::EventState::Is::claimed: ++known_; return " (being applied now)";
      case worker::EventState::Is::unknown: ++recovered_; return " (new: never applied)";
    }
    return {};
  }

  // Where Antom's answer contradicts what the payment's ledger holds, one line each.
  std::vector<std::string> disagreements(const std::string& payment_id,
                                         const std::vector<RecoveredNotification>& answered) {
    std::vector<std::string> out;
    if (!ledgers_ || payment_id.empty()) return out;
    const auto stored = ledgers_->read_ledger(payment_id);
    if (!stored || stored->text.empty()) return out;
    boost::system::error_code ec;
    const auto doc = boost::json::parse(stored->text, ec);
    const auto ledger = ec ? std::nullopt : worker::ledger_from_json(doc);
    if (!ledger) return out;
    std::vector<worker::LedgerFacts> facts;
    for (const auto& n : answered) {
      if (auto d = worker::derive_event(n.body, epoch_now_ms()); d.event)
        facts.push_back(d.event->ledger);
    }
    for (const auto& a : worker::check_inquiry(*ledger, facts, epoch_now_ms()).anomalies)
      out.push_back(a.detail);
    disagreeing_ += out.size();
    return out;
  }

  // "; 1 new, 2 applied already, 0 disagreeing" when it compared; "" otherwise.
  std::string summary() const {
    if (!states_) return {};
    return "; compared with the worker's Redis: " + std::to_string(recovered_) + " new, " +
           std::to_string(known_) + " applied already, " + std::to_string(disagreeing_) +
           " disagreeing";
  }

 private:
  std::optional<worker::RedisEventStates> states_;
  std::optional<worker::RedisLedgerStore> ledgers_;
  std::size_t recovered_ = 0, known_ = 0, disagreeing_ = 0;
};

// Asks about one payment or refund and hands what the answer stands for to `out`; false when
// Antom did not answer (or refused: said why).
bool reconcile_one(AntomApiClient& client, const InquiryTarget& target, Publishing& out,
                   Comparison& comparison) {
  const InquiryApi api = target.api();
  const std::string asked =
      std::string(api == InquiryApi::payment ? "inquiryPayment" : "inquiryRefund") + " " +
      std::string(target.field()) + "=" + target.id;
  const AntomApiResult answer = client.inquire(target);
  if (!answer) {
    std::cerr << asked << ": " << describe(answer.error()) << "\n";
    return false;
  }
  const auto recovered = recovered_notifications(api, answer->json);
  std::cout << asked << ": Antom answered (signature verified, " << answer->tries
            << (answer->tries == 1 ? " try" : " tries") << "): " << state_of(api, answer->json)
            << "; " << recovered.size() << " final result(s)\n";
  for (const auto& n : recovered) out.add(*answer, n, comparison.judge(n));
  const auto* payment = answer->json.if_contains("paymentId");
  for (const auto& line : comparison.disagreements(
           payment != nullptr && payment->is_string() ? std::string(payment->get_string()) : "",
           recovered)) {
    std::cout << "  DISAGREES: " << line << "\n";
  }
  return true;
}

// The ledger's uncaptured authorizations expiring within the window, earliest first.
std::optional<std::vector<std::string>> uncaptured(const Options& o) {
  worker::RedisLedgerStore store(worker::redis_settings_from(o), o.str("topic"));
  const int64_t until = epoch_now_ms() + o.duration_ms("expiring-within", 0, 365LL * 86400 * 1000);
  const auto due =
      store.expiring_until(until, static_cast<std::size_t>(o.integer("max", 1, 1'000'000)));
  if (!due) {
    std::cerr << "Redis: " << due.error().message() << ": " << store.failure_detail() << "\n";
    return std::nullopt;
  }
  std::vector<std::string> payments;
  for (const auto& a : *due) payments.push_back(a.payment_id);
  return payments;
}

// --mark: the worker's deadline watch takes the mark (under a lease, like a deadline) and asks.
int mark(const Options& o, const std::vector<InquiryTarget>& targets) {
  if (targets.size() != 1 || targets[0].by != By::payment_id) {
    std::cerr << "--mark takes one --payment-id (the worker asks by Antom's paymentId)\n";
    return 2;
  }
  worker::RedisLedgerStore store(worker::redis_settings_from(o), o.str("topic"));
  if (const auto marked = store.mark_for_inquiry(targets[0].id, epoch_now_ms()); !marked) {
    std::cerr << "Redis: " << marked.error().message() << ": " << store.failure_detail() << "\n";
    return 1;
  }
  std::cout << "marked payment " << targets[0].id << " for the worker to ask Antom about (its "
            << "reconciliation must be on: --merchant-private-key); its answer shows in the "
               "worker's paynotify_worker_inquiries_total and payment_reconciled log line\n";
  return 0;
}

}  // namespace

int reconcile_command(const Args& args) {
  Options o("paynotify reconcile",
            "Asks Antom (inquiryPayment / inquiryRefund) about one payment or refund, or about "
            "every authorization the worker's ledger holds with nothing captured (--uncaptured), "
            "and publishes the results each signed answer stands for to the main topic, where "
            "the worker applies them like Antom's own notifications: a result that was applied "
            "already is a duplicate there. Only final results are published (a payment or "
            "capture still processing stands for nothing yet). Exit 0: every inquiry answered "
            "and every result written; 1: not; 2: a usage error.",
            reconcile_options());
  if (auto rc = parse_command_line(o, args)) return *rc;
  std::vector<InquiryTarget> targets;
  for (const auto& t : kTargets) {
    if (!o.str(t.option).empty()) targets.push_back({t.by, o.str(t.option)});
  }
  const bool bulk = o.flag("uncaptured");
  if (targets.size() + (bulk ? 1 : 0) != 1) {
    std::cerr << "say what to ask about, once: --payment-id, --payment-request-id, --refund-id, "
                 "--refund-request-id or --uncaptured\n";
    return 2;
  }
  if (o.flag("mark")) return mark(o, targets);
  std::unique_ptr<AntomApiClient> client;
  double rate = 0;
  try {
    auto settings = antom_api_settings_from(o, antom_keys_from(o));
    if (!settings) throw ConfigError("--merchant-private-key is required to ask Antom");
    client = std::make_unique<AntomApiClient>(std::move(*settings));
    rate = static_cast<double>(o.integer("reconcile-rate", 1, 100));
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (bulk) {
    const auto payments = uncaptured(o);
    if (!payments) return 1;
    std::cout << payments->size() << " uncaptured authorization(s) in the ledger expiring within "
              << o.str("expiring-within") << "\n";
    for (const auto& p : *payments) targets.push_back({By::payment_id, p});
  }
  Publishing out(o, o.flag("dry-run"));
  Comparison comparison(o);
  int unanswered = 0;
  const auto gap = std::chrono::duration<double>(1.0 / rate);
  auto next = std::chrono::steady_clock::now();
  for (const auto& target : targets) {
    std::this_thread::sleep_until(next);
    next = std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(gap);
    if (!reconcile_one(*client, target, out, comparison)) ++unanswered;
  }
  const bool written = out.finish();
  std::cout << targets.size() - static_cast<std::size_t>(unanswered) << " of " << targets.size()
            << " inquiries answered" << comparison.summary() << "\n";
  return unanswered == 0 && written ? 0 : 1;
}

}  // namespace paynotify::cli
