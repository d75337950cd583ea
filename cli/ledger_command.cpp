// paynotify ledger: what the worker's payment ledger holds (worker/payment_ledger.hpp), read
// from Redis — one payment's ledger and unpublished anomalies, or the authorizations with
// nothing captured by expiry.
#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "worker/payment_event.hpp"
#include "worker/redis/redis_connection.hpp"
#include "worker/store/dedupe_store.hpp"

namespace paynotify::cli {
namespace {

namespace json = boost::json;
using worker::RedisConnection;
using worker::RedisValue;

std::vector<OptionSpec> redis_options(std::vector<OptionSpec> more) {
  for (auto& spec : worker::redis_option_specs("the worker's Redis"))
    more.push_back(std::move(spec));
  more.push_back({"topic", "antom.notifications",
                  "the worker's --topic (its deadline watch is kept per topic)"});
  return more;
}

// The password comes from PAYNOTIFY_REDIS_PASSWORD too (command_options.hpp).
RedisConnection connect(const Options& o) {
  return RedisConnection(worker::redis_settings_from(o));
}

json::value parsed_or_text(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value(text) : v;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int show(const Args& args) {
  Options o("paynotify ledger show",
            "Prints one payment's ledger, its unpublished anomalies and its deadline as JSON.",
            redis_options({{"payment-id", "", "Antom's paymentId (required)"}}));
  if (auto rc = parse_command_line(o, args)) return *rc;
  const std::string payment = o.str("payment-id");
  if (payment.empty()) {
    std::cerr << "--payment-id is required\n";
    return 2;
  }
  auto redis = connect(o);
  const auto ledger = redis.command({"GET", worker::ledger_key(payment)});
  const auto outbox = redis.command({"HGETALL", worker::anomaly_outbox_key(payment)});
  const auto deadline =
      redis.command({"ZSCORE", worker::ledger_deadlines_key(o.str("topic")), payment});
  if (!ledger || !outbox || !deadline) {
    std::cerr << "Redis: " << redis.last_error() << "\n";
    return 1;
  }
  if (ledger->type == RedisValue::Type::nil) {
    std::cerr << "no ledger for payment " << payment
              << " (none of its events applied, or past --ledger-ttl)\n";
    return 1;
  }
  json::array unpublished;
  for (std::size_t i = 0; i + 1 < outbox->elements.size(); i += 2)
    unpublished.push_back(parsed_or_text(outbox->elements[i + 1].text));
  json::object out{{"ledger", parsed_or_text(ledger->text)},
                   {"unpublishedAnomalies", std::move(unpublished)}};
  out["nextDeadlineCheck"] = deadline->type == RedisValue::Type::text
                                 ? json::value(worker::iso8601_utc(std::stoll(deadline->text)))
                                 : json::value(nullptr);
  std::cout << json::serialize(out) << "\n";
  return 0;
}

int due(const Args& args) {
  Options o("paynotify ledger due",
            "Lists the authorizations with nothing captured that expire within --within (already "
            "expired ones first), "
            "one JSON line each: Antom releases their funds at expiry.",
            redis_options({{"within", "48h", "how far ahead to look"},
                           {"max", "1000", "at most this many"}}));
  if (auto rc = parse_command_line(o, args)) return *rc;
  const int64_t until = now_ms() + o.duration_ms("within", 0, 365LL * 86400 * 1000);
  auto redis = connect(o);
  const auto due = redis.command({"ZRANGEBYSCORE", worker::ledger_uncaptured_key(o.str("topic")),
                                  "-inf", std::to_string(until), "WITHSCORES", "LIMIT", "0",
                                  std::to_string(o.integer("max", 1, 1'000'000))});
  if (!due) {
    std::cerr << "Redis: " << redis.last_error() << "\n";
    return 1;
  }
  const int64_t now = now_ms();
  for (std::size_t i = 0; i + 1 < due->elements.size(); i += 2) {
    const std::string& payment = due->elements[i].text;
    const int64_t expires = std::stoll(due->elements[i + 1].text);
    json::object line{{"paymentId", payment},
                      {"expiresAt", worker::iso8601_utc(expires)},
                      {"hoursLeft", static_cast<double>(expires - now) / 3600000.0}};
    if (const auto ledger = redis.command({"GET", worker::ledger_key(payment)});
        ledger && ledger->type == RedisValue::Type::text) {
      const auto doc = parsed_or_text(ledger->text);
      if (const auto* l = doc.if_object(); l && l->contains("authorizedAmount"))
        line["authorizedAmount"] = l->at("authorizedAmount");
    }
    std::cout << json::serialize(line) << "\n";
  }
  std::cerr << due->elements.size() / 2 << " uncaptured authorization(s) expiring within "
            << o.str("within") << "\n";
  return 0;
}

}  // namespace

int ledger_command(const Args& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const Args rest(args.empty() ? args.begin() : args.begin() + 1, args.end());
  if (sub == "show") return show(rest);
  if (sub == "due") return due(rest);
  std::cerr << "usage: paynotify ledger show --payment-id P | paynotify ledger due [--within 48h]  "
               "(--help on each)\n";
  return sub == "--help" || sub == "-h" ? 0 : 2;
}

}  // namespace paynotify::cli
