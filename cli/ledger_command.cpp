// paynotify ledger: what the worker's payment ledger holds (worker/payment_ledger.hpp), read
// through LedgerStore on Redis — one payment's ledger and unpublished anomalies, or the
// authorizations with nothing captured by expiry.
#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "common/antom/request_time.hpp"
#include "worker/redis/redis_ledger_store.hpp"

namespace paynotify::cli {
namespace {

namespace json = boost::json;
using worker::RedisLedgerStore;

std::vector<OptionSpec> redis_options(std::vector<OptionSpec> more) {
  for (auto& spec : worker::redis_option_specs("the worker's Redis"))
    more.push_back(std::move(spec));
  more.push_back({"topic", "antom.notifications",
                  "the worker's --topic (its deadline watch is kept per topic)"});
  return more;
}

// The password comes from PAYNOTIFY_REDIS_PASSWORD too (command_options.hpp).
RedisLedgerStore ledgers(const Options& o) {
  return RedisLedgerStore(worker::redis_settings_from(o), o.str("topic"));
}

int unavailable(const RedisLedgerStore& store, const boost::system::error_code& error) {
  std::cerr << "Redis: " << error.message() << ": " << store.failure_detail() << "\n";
  return 1;
}

json::value parsed_or_text(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value(text) : v;
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
  auto store = ledgers(o);
  const auto ledger = store.read_ledger(payment);
  if (!ledger) return unavailable(store, ledger.error());
  const auto deadline = store.next_deadline(payment);
  if (!deadline) return unavailable(store, deadline.error());
  if (ledger->text.empty()) {
    std::cerr << "no ledger for payment " << payment
              << " (none of its events applied, or past --ledger-ttl)\n";
    return 1;
  }
  json::array unpublished;
  for (const auto& [id, text] : ledger->outbox) unpublished.push_back(parsed_or_text(text));
  json::object out{{"ledger", parsed_or_text(ledger->text)},
                   {"unpublishedAnomalies", std::move(unpublished)}};
  out["nextDeadlineCheck"] =
      *deadline ? json::value(iso8601_utc(**deadline)) : json::value(nullptr);
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
  const int64_t until = epoch_now_ms() + o.duration_ms("within", 0, 365LL * 86400 * 1000);
  auto store = ledgers(o);
  const auto due =
      store.expiring_until(until, static_cast<std::size_t>(o.integer("max", 1, 1'000'000)));
  if (!due) return unavailable(store, due.error());
  const int64_t now = epoch_now_ms();
  for (const auto& [payment, expires] : *due) {
    json::object line{{"paymentId", payment},
                      {"expiresAt", iso8601_utc(expires)},
                      {"hoursLeft", static_cast<double>(expires - now) / 3600000.0}};
    if (const auto ledger = store.read_ledger(payment); ledger && !ledger->text.empty()) {
      const auto doc = parsed_or_text(ledger->text);
      if (const auto* l = doc.if_object(); l && l->contains("authorizedAmount"))
        line["authorizedAmount"] = l->at("authorizedAmount");
    }
    std::cout << json::serialize(line) << "\n";
  }
  std::cerr << due->size() << " uncaptured authorization(s) expiring within " << o.str("within")
            << "\n";
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
