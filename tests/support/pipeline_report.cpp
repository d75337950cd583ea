// What an end-to-end test prints when the pipeline did not settle: which events never reached
// the order service, what Redis and the retry topic hold about each, and what every worker
// reports. CI keeps a test's output but not its log directory, so a stall must be explainable
// from this alone.

#include <boost/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "common/kafka/record_headers.hpp"
#include "tests/support/pipeline.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/redis_fixture.hpp"
#include "worker/payment_event.hpp"
#include "worker/store/dedupe_store.hpp"

namespace paynotify::testing {
namespace {

namespace json = boost::json;

constexpr std::size_t kEventsShown = 8;

std::string redis_text(worker::RedisConnection& redis, const std::string& key) {
  const auto v = redis.command({"GET", key});
  if (!v) return "(no answer)";
  return v->type == worker::RedisValue::Type::text ? v->text : "(none)";
}

// The series of a worker's /metrics that tell where records wait.
bool tells_where_records_wait(const std::string& line) {
  static const char* const kNames[] = {
      "paynotify_worker_in_flight_records",        "paynotify_worker_parked_records",
      "paynotify_worker_consumption_paused",       "paynotify_worker_retry_partitions_waiting",
      "paynotify_worker_retry_oldest_age_seconds", "paynotify_worker_claim_waits_total",
      "paynotify_worker_kafka_unconfirmed",        "paynotify_worker_parking_trusted",
      "paynotify_worker_redis_reachable",          "paynotify_worker_kafka_reachable",
      "paynotify_worker_retry_topic_total",        "paynotify_worker_consumed_total"};
  for (const char* name : kNames) {
    if (line.rfind(name, 0) == 0) return true;
  }
  // Lag only where there is some.
  return line.rfind("paynotify_worker_consumer_lag", 0) == 0 && !line.ends_with(" 0");
}

// The last lines of a log at warning or above, and how many lines each event name had.
std::string log_summary(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, int> events;
  std::vector<std::string> loud;
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find("\"event\":\"");
    if (at != std::string::npos) {
      const auto start = at + 9;
      ++events[line.substr(start, line.find('"', start) - start)];
    }
    if (line.find("\"level\":\"warning\"") != std::string::npos ||
        line.find("\"level\":\"error\"") != std::string::npos ||
        line.find("\"level\":\"critical\"") != std::string::npos) {
      loud.push_back(line.substr(0, 400));
    }
  }
  std::ostringstream out;
  out << "  events logged:";
  for (const auto& [name, n] : events) out << ' ' << name << '=' << n;
  out << "\n  last warnings:\n";
  for (std::size_t i = loud.size() > 10 ? loud.size() - 10 : 0; i < loud.size(); ++i)
    out << "    " << loud[i] << '\n';
  return out.str();
}

}  // namespace

std::string Pipeline::stall_report(const std::vector<std::string>& bodies) {
  std::ostringstream out;
  out << "\n--- what the pipeline holds (logs in " << dir_ << ")\n";
  try {
    const json::object got = applied();
    const auto& payments = got.at("payments").as_object();
    std::vector<worker::EventKey> missing;
    std::set<std::string> seen;
    for (const auto& body : bodies) {
      const auto e = worker::derive_event(body, 0).event;
      if (!e || !seen.insert(e->event_id).second) continue;
      bool done = false;
      if (const auto* p = payments.if_contains(e->payment_id)) {
        for (const auto& id : p->at("events").as_array())
          done = done || id.as_string() == e->event_id;
      }
      if (!done) missing.push_back({e->payment_id, e->event_id});
    }
    out << missing.size() << " of " << seen.size() << " events sent never applied";
    if (!missing.empty()) out << "; the first " << std::min(missing.size(), kEventsShown) << ":";
    out << '\n';
    if (!missing.empty()) {
      const auto main = read_topic(topic_, SIZE_MAX, std::chrono::seconds(10));
      const auto retry = read_topic(topic_ + ".retry", SIZE_MAX, std::chrono::seconds(10));
      const auto dead = read_topic(topic_ + ".dlq", SIZE_MAX, std::chrono::seconds(5));
      out << "  records: " << main.size() << " in the main topic, " << retry.size()
          << " in the retry topic, " << dead.size() << " dead-lettered\n";
      // Where each copy of an event sits: topic partition and offset (and its round).
      const auto copies = [](const std::vector<ConsumedRecord>& records,
                             const worker::EventKey& k) {
        std::string where;
        for (const auto& r : records) {
          if (r.key != k.order_key) continue;
          const auto e = worker::derive_event(r.value, 0).event;
          if (!e || e->event_id != k.event_id) continue;
          where += " " + std::to_string(r.partition) + ":" + std::to_string(r.offset);
          if (!r.header(header::kAttempt).empty())
            where += "(attempt " + std::string(r.header(header::kAttempt)) + ")";
        }
        return where.empty() ? std::string(" none") : where;
      };
      worker::RedisConnection redis(redis_settings());
      for (std::size_t i = 0; i < missing.size() && i < kEventsShown; ++i) {
        const auto& k = missing[i];
        out << "  " << k.event_id << ": state " << redis_text(redis, worker::event_state_key(k))
            << ", payment parked behind " << redis_text(redis, worker::parked_key(k)) << " at "
            << redis_text(redis, worker::parked_at_key(k)) << "; main topic" << copies(main, k)
            << "; retry topic" << copies(retry, k) << '\n';
      }
    }
  } catch (const std::exception& e) {
    out << "cannot read what the pipeline holds: " << e.what() << '\n';
  }
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    out << "worker " << i << (workers_[i]->running() ? "" : " (exited)") << ":\n";
    const auto reply =
        raw_exchange(worker_admin_ports_[i], get_request("/metrics"), std::chrono::seconds(2));
    std::istringstream metrics(reply.text);
    for (std::string line; std::getline(metrics, line);) {
      if (tells_where_records_wait(line)) out << "  " << line << '\n';
    }
    out << log_summary(dir_ + "/worker-" + std::to_string(i) + ".log");
  }
  return out.str();
}

}  // namespace paynotify::testing
