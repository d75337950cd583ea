#pragma once
// Automatic reconciliation (README "Reconciliation"): the deadline watch asks, through this, what
// became of an authorization with nothing captured; the results Antom's signed answer stands
// for are published to the main topic like `paynotify reconcile` publishes them, and the worker
// applies them as events (a result applied already is a duplicate there). Paced to
// --reconcile-rate; off unless a merchant private key is configured.

#include <chrono>
#include <memory>
#include <string>

#include "common/antom/antom_api_client.hpp"
#include "common/kafka/publisher.hpp"
#include "common/service/metrics.hpp"
#include "worker/payment_inquiry.hpp"

namespace paynotify::worker {

struct ReconcilerSettings {
  std::string main_topic;
  double calls_per_second = 5;  // --reconcile-rate
  std::chrono::milliseconds publish_timeout{10000};
};

class Reconciler final : public PaymentInquiry {
 public:
  using Clock = int64_t (*)();  // epoch ms, for the records' received-at
  Reconciler(ReconcilerSettings settings, std::unique_ptr<AntomApiClient> client,
             Publisher& publisher, MetricsRegistry& registry, Clock clock);

  InquiryOutcome ask(const std::string& payment_id) override;

 private:
  void wait_turn();  // paces the calls to settings_.calls_per_second

  ReconcilerSettings settings_;
  std::unique_ptr<AntomApiClient> client_;
  Publisher& publisher_;
  Clock clock_;
  std::chrono::steady_clock::time_point next_call_{};
  Counter& answered_;
  Counter& refused_;     // F: Antom answered that it cannot (ORDER_NOT_EXIST, ...)
  Counter& unanswered_;  // no answer, an HTTP error, U on every try
  Counter& unsigned_;    // an answer whose signature did not verify: not read
  Counter& published_payment_;
  Counter& published_capture_;
  Counter& published_refund_;
};

}  // namespace paynotify::worker
