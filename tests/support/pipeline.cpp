#include "tests/support/pipeline.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "common/kafka/kafka_admin.hpp"
#include "common/service/ids.hpp"
#include "tests/support/kafka_topic.hpp"
#include "tests/support/metrics_text.hpp"
#include "tests/support/raw_http.hpp"
#include "worker/payment_event.hpp"

namespace paynotify::testing {

Pipeline::Pipeline(const std::string& name) {
  const std::string id = random_hex(4);
  dir_ = (std::filesystem::temp_directory_path() / ("paynotify-e2e-" + name + "-" + id)).string();
  std::filesystem::create_directories(dir_);
  topic_ = "test.e2e." + name + "." + id;
  group_ = "paynotify-worker-" + name + "-" + id;
  std::vector<TopicSpec> specs;
  for (const auto& t : pipeline_topic_names(topic_)) specs.push_back({t, 6, 1, {}});
  for (const auto& r : ensure_topics(kafka_brokers(), {}, specs, 15000)) {
    if (!r.error.empty()) throw std::runtime_error("topic " + r.name + ": " + r.error);
  }
  order_port_ = free_port();
  order_service_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{PAYNOTIFY_ORDER_SERVICE_BIN, "--listen",
                               "127.0.0.1:" + std::to_string(order_port_)},
      dir_ + "/order-service.log");
  if (!wait_until(
          [&] {
            return raw_exchange(order_port_, get_request("/healthz"),
                                std::chrono::milliseconds(500))
                       .status == 200;
          },
          std::chrono::seconds(10))) {
    throw std::runtime_error("reference order service did not start");
  }
  ingest_ = std::make_unique<IngestHarness>(kafka_brokers(), topic_);
}

Pipeline::~Pipeline() {
  for (auto& w : workers_) {
    if (w->running()) {
      w->signal(SIGTERM);
      w->wait();
    }
  }
  ingest_.reset();
  order_service_.reset();
}

std::string Pipeline::order_service_url() const {
  return "http://127.0.0.1:" + std::to_string(order_port_);
}

std::vector<std::string> worker_command(const std::string& topic, const std::string& group,
                                        const std::string& order_service_url, uint16_t admin_port,
                                        const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {PAYNOTIFY_WORKER_BIN,
                                   "--kafka-brokers",
                                   kafka_brokers(),
                                   "--topic",
                                   topic,
                                   "--group",
                                   group,
                                   "--redis",
                                   redis_address(),
                                   "--order-service-url",
                                   order_service_url,
                                   "--antom-public-key",
                                   test_public_key_file(),
                                   "--client-id",
                                   kClientId,
                                   "--admin-listen",
                                   "127.0.0.1:" + std::to_string(admin_port),
                                   "--lease-ms",
                                   "3000",
                                   "--retry-base-ms",
                                   "200",
                                   "--retry-max-ms",
                                   "2000",
                                   "--retry-for",
                                   "10m",
                                   "--breaker-open-max-ms",
                                   "2000",
                                   "--order-timeout-ms",
                                   "2000",
                                   "--drain-timeout-ms",
                                   "10000",
                                   "--log-level",
                                   "info"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

double admin_metric(uint16_t admin_port, const std::string& series) {
  const auto reply = raw_exchange(admin_port, get_request("/metrics"), std::chrono::seconds(2));
  return reply.status == 200 ? series_value(reply.text, series) : -1;
}

double admin_family_sum(uint16_t admin_port, const std::string& family) {
  const auto reply = raw_exchange(admin_port, get_request("/metrics"), std::chrono::seconds(2));
  if (reply.status != 200) return -1;
  double sum = 0;
  for (std::size_t at = reply.text.find("\n" + family); at != std::string::npos;
       at = reply.text.find("\n" + family, at + 1)) {
    const std::size_t start = at + 1 + family.size();
    if (start >= reply.text.size() || (reply.text[start] != '{' && reply.text[start] != ' '))
      continue;
    const std::size_t value =
        reply.text.find(' ', reply.text[start] == '{' ? reply.text.find('}', start) : start);
    if (value != std::string::npos) sum += std::stod(reply.text.substr(value + 1));
  }
  return sum;
}

unsigned admin_readiness(uint16_t admin_port) {
  return raw_exchange(admin_port, get_request("/readyz"), std::chrono::seconds(2)).status;
}

boost::json::object order_service_applied(uint16_t port) {
  const auto reply = raw_exchange(port, get_request("/applied"), std::chrono::seconds(5));
  const auto body = reply.text.find("\r\n\r\n");
  if (reply.status != 200 || body == std::string::npos)
    throw std::runtime_error("GET /applied failed");
  return boost::json::parse(reply.text.substr(body + 4)).as_object();
}

void order_service_control(uint16_t port, const std::string& json) {
  const auto reply =
      raw_exchange(port, post_request("/control", "Content-Type: application/json\r\n", json),
                   std::chrono::seconds(5));
  if (reply.status != 200) throw std::runtime_error("POST /control failed");
}

std::map<std::string, std::vector<std::string>> expected_order(const std::string& topic,
                                                               std::size_t records) {
  return event_order(read_topic(topic, records, std::chrono::seconds(30)));
}

std::map<std::string, std::vector<std::string>> event_order(
    const std::vector<ConsumedRecord>& records) {
  std::map<std::string, std::vector<std::string>> order;
  std::set<std::string> seen;
  // Within a partition records come in offset order; a payment lives in one partition.
  for (const auto& r : records) {
    const auto derived = worker::derive_event(r.value, 0);
    if (!derived.event || !seen.insert(derived.event->event_id).second) continue;
    order[derived.event->payment_id].push_back(derived.event->event_id);
  }
  return order;
}

ChildProcess& Pipeline::start_worker(std::vector<std::string> extra) {
  const uint16_t admin = worker_admin_ports_.emplace_back(free_port());
  workers_.push_back(std::make_unique<ChildProcess>(
      worker_command(topic_, group_, order_service_url(), admin, extra),
      dir_ + "/worker-" + std::to_string(workers_.size()) + ".log"));
  return *workers_.back();
}

unsigned Pipeline::worker_readiness(std::size_t i) {
  return admin_readiness(worker_admin_ports_.at(i));
}

double Pipeline::worker_metric(std::size_t i, const std::string& series) {
  return admin_metric(worker_admin_ports_.at(i), series);
}

boost::json::object Pipeline::applied() { return order_service_applied(order_port_); }

uint64_t Pipeline::applied_count() { return applied().at("applied").to_number<uint64_t>(); }

void Pipeline::control(const std::string& json) { order_service_control(order_port_, json); }

std::map<std::string, std::vector<std::string>> Pipeline::expected_order(
    std::size_t records_in_topic) {
  return testing::expected_order(topic_, records_in_topic);
}

}  // namespace paynotify::testing
