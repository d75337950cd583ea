#pragma once
// The whole pipeline on loopback for end-to-end tests: the real broker and Redis (from
// tests/run.sh), an in-process ingest, paynotify-worker processes and the reference order service.

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/ingest_harness.hpp"
#include "tests/support/kafka_topic.hpp"
#include "tests/support/wait.hpp"

namespace paynotify::testing {

class Pipeline {
 public:
  explicit Pipeline(const std::string& name);
  ~Pipeline();

  IngestHarness& ingest() { return *ingest_; }
  const std::string& topic() const { return topic_; }
  std::string order_service_url() const;

  // Starts one more worker of the pipeline's group; extra flags are appended.
  ChildProcess& start_worker(std::vector<std::string> extra = {});
  std::vector<std::unique_ptr<ChildProcess>>& workers() { return workers_; }
  // HTTP status of worker i's GET /readyz (0: no answer).
  unsigned worker_readiness(std::size_t i);
  // The value of one series (name and labels exactly as rendered) on worker i's /metrics; -1
  // when the worker does not answer or has no such series.
  double worker_metric(std::size_t i, const std::string& series);

  // The reference order service's GET /applied, and POST /control.
  boost::json::object applied();
  void control(const std::string& json);
  uint64_t applied_count();

  // Event ids per payment in the order the main topic holds them (first occurrence).
  std::map<std::string, std::vector<std::string>> expected_order(std::size_t records_in_topic);

  std::string log_dir() const { return dir_; }
  // For a test whose pipeline did not settle: which of the notifications sent were never
  // applied, where the topics hold them, what Redis holds about them, and each worker's waiting
  // figures and warnings (pipeline_report.cpp).
  std::string stall_report(const std::vector<std::string>& bodies);

 private:
  std::string dir_;
  std::string topic_;
  std::string group_;
  uint16_t order_port_ = 0;
  std::unique_ptr<ChildProcess> order_service_;
  std::unique_ptr<IngestHarness> ingest_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
  std::vector<uint16_t> worker_admin_ports_;
};

// The pieces, for drivers that run the ingest as a process too (tests/chaos).
// paynotify-worker's command line as the end-to-end tests run it (short retries and leases).
std::vector<std::string> worker_command(const std::string& topic, const std::string& group,
                                        const std::string& order_service_url, uint16_t admin_port,
                                        const std::vector<std::string>& extra = {});
// A value on an admin port's /metrics (-1: no answer or no such series); its /readyz status.
double admin_metric(uint16_t admin_port, const std::string& series);
// The sum of every series of one metric family on an admin port's /metrics (0: no series;
// -1: no answer).
double admin_family_sum(uint16_t admin_port, const std::string& family);
unsigned admin_readiness(uint16_t admin_port);
// The reference order service's GET /applied and POST /control.
boost::json::object order_service_applied(uint16_t port);
void order_service_control(uint16_t port, const std::string& json);
// Event ids per payment in the order `topic` holds them (first occurrence; reads up to `records`).
std::map<std::string, std::vector<std::string>> expected_order(const std::string& topic,
                                                               std::size_t records);
// The same from records already read (in offset order per partition).
std::map<std::string, std::vector<std::string>> event_order(
    const std::vector<ConsumedRecord>& records);

}  // namespace paynotify::testing
