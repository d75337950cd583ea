#pragma once
// The deadline watch: authorizations with nothing captured must be reported before Antom
// releases their funds (AUTHORIZATION_EXPIRING_UNCAPTURED, --capture-warning-before ahead) and
// when it does (AUTHORIZATION_EXPIRED_UNCAPTURED). The ledger's write puts each such payment
// in a Redis sorted set scored by when to look; every worker runs a watch that takes the due
// ones atomically (a lease: no two workers report one; a crashed worker's come due again),
// checks the ledger (pure: check_deadline), and raises what it finds through the ledger's
// outbox, like the completion does. It also publishes what an outbox still holds (a worker
// that died between the write and the publication) and keeps the gauge of uncaptured
// authorizations by time to expiry.
//
// With reconciliation on (a PaymentInquiry given), it also asks Antom about an authorization
// with nothing captured when its next inquiry is due (next_inquiry in payment_ledger.hpp),
// before its look: what Antom answered is published and noted in the ledger, and an answer that
// contradicts an applied result is raised as INQUIRY_DISAGREES. It asks about the payments
// operators marked (`paynotify reconcile --mark`) too, taken under the same lease, the mark
// cleared once Antom answered.
//
// Runs on a thread of its own with its own store (RedisLedgerStore: its own Redis connection);
// publishing waits for Kafka, inquiries wait for Antom.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "common/kafka/publisher.hpp"
#include "worker/payment_inquiry.hpp"
#include "worker/store/ledger_store.hpp"
#include "worker/worker_metrics.hpp"

namespace paynotify::worker {

struct DeadlineWatchSettings {
  std::string anomalies_topic;
  int64_t warning_before_ms = 24LL * 3600 * 1000;
  int64_t ledger_ttl_s = 35LL * 86400;
  std::chrono::milliseconds every{1000};
  int64_t lease_ms = 60000;  // a taken payment comes due again after this if not looked at
  std::size_t batch = 200;
  std::chrono::milliseconds publish_timeout{10000};
  int64_t reconcile_after_ms = 0;       // --reconcile-capture-after; 0 without a PaymentInquiry
  std::size_t inquiries_per_pass = 50;  // the rest of a pass's due payments wait for the next
  // ... and none starts this long after the pass did: what it takes is leased for lease_ms, and
  // an inquiry (its tries, then publishing) must end inside that lease, or another worker's
  // watch would take the payment and ask again.
  std::chrono::milliseconds inquiry_time_per_pass{15000};
};

class DeadlineWatch {
 public:
  using Clock = std::function<int64_t()>;  // epoch ms
  // `inquiry` (may be null: reconciliation off) must outlive the watch.
  DeadlineWatch(DeadlineWatchSettings settings, std::unique_ptr<LedgerStore> store,
                Publisher& publisher, WorkerMetrics& metrics, Clock clock,
                PaymentInquiry* inquiry = nullptr);
  ~DeadlineWatch();

  void start();
  void stop();

  // One pass: takes what is due, checks it, raises and publishes. Returns the payments taken
  // (nothing when Redis did not answer).
  std::optional<std::size_t> run_once();

  // Uncaptured authorizations by time to expiry, as of the last pass: <24h, <72h, later.
  int64_t expiring_within_24h() const { return within_24h_.load(); }
  int64_t expiring_within_72h() const { return within_72h_.load(); }
  int64_t expiring_later() const { return later_.load(); }

 private:
  // `asked`: what an inquiry made before the look (a marked payment's) answered.
  void look_at(const std::string& payment, int64_t now_ms,
               std::optional<InquiryOutcome> asked = std::nullopt);
  void ask_marked(const std::string& payment, int64_t now_ms);
  bool may_ask();  // within this pass's share and time, and not stopping: takes one
  bool publish(const std::string& payment, const std::string& id, const std::string& text);
  void count_expiring(int64_t now_ms);

  DeadlineWatchSettings settings_;
  std::unique_ptr<LedgerStore> store_;
  Publisher& publisher_;
  WorkerMetrics& metrics_;
  Clock clock_;
  PaymentInquiry* inquiry_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};  // stop() was called: no inquiry starts
  std::chrono::steady_clock::time_point pass_started_{};
  std::size_t inquiries_left_ = 0;  // of this pass's share
  std::thread thread_;
  std::atomic<int64_t> within_24h_{0}, within_72h_{0}, later_{0};
};

}  // namespace paynotify::worker
