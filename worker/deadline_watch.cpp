#include "worker/deadline_watch.hpp"

#include "common/service/log.hpp"
#include "worker/ledger_write.hpp"

namespace paynotify::worker {

DeadlineWatch::DeadlineWatch(DeadlineWatchSettings settings, std::unique_ptr<LedgerStore> store,
                             Publisher& publisher, WorkerMetrics& metrics, Clock clock,
                             PaymentInquiry* inquiry)
    : settings_(std::move(settings)),
      store_(std::move(store)),
      publisher_(publisher),
      metrics_(metrics),
      clock_(std::move(clock)),
      inquiry_(inquiry) {
  if (inquiry_ == nullptr) settings_.reconcile_after_ms = 0;
}

DeadlineWatch::~DeadlineWatch() { stop(); }

void DeadlineWatch::start() {
  running_ = true;
  thread_ = std::thread([this] {
    while (running_.load()) {
      try {
        // A full batch means more is due: go on at once.
        const auto taken = run_once();
        if (taken && *taken >= settings_.batch) continue;
      } catch (const std::exception& e) {
        log_event(spdlog::level::err, "deadline_watch_failed", {{"error", e.what()}});
      }
      for (auto slept = std::chrono::milliseconds(0); running_.load() && slept < settings_.every;
           slept += std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
}

void DeadlineWatch::stop() {
  stopping_ = true;
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

std::optional<std::size_t> DeadlineWatch::run_once() {
  const int64_t now = clock_();
  const auto due = store_->take_due(now, settings_.lease_ms, settings_.batch);
  if (!due) return std::nullopt;  // the store will be asked again at the next pass
  inquiries_left_ = settings_.inquiries_per_pass;
  pass_started_ = std::chrono::steady_clock::now();
  for (const auto& payment : *due) look_at(payment, now);
  if (inquiry_ != nullptr) {
    // What operators marked; a store that does not answer now is asked again at the next pass.
    if (const auto marked = store_->take_marked(now, settings_.lease_ms, settings_.batch)) {
      for (const auto& payment : *marked) ask_marked(payment, now);
    }
  }
  count_expiring(now);
  return due->size();
}

bool DeadlineWatch::may_ask() {
  const bool time_left =
      std::chrono::steady_clock::now() - pass_started_ < settings_.inquiry_time_per_pass;
  if (inquiries_left_ == 0 || !time_left || stopping_.load()) return false;
  --inquiries_left_;
  return true;
}

void DeadlineWatch::ask_marked(const std::string& payment, int64_t now_ms) {
  if (!may_ask()) return;  // taken under a lease: it comes due again
  const InquiryOutcome inquiry = inquiry_->ask(payment);
  if (inquiry.asked != InquiryOutcome::Asked::answered) return;  // asked again after the lease
  look_at(payment, now_ms, inquiry);  // noted in its ledger, if it has one
  store_->clear_mark(payment);
}

void DeadlineWatch::look_at(const std::string& payment, int64_t now_ms,
                            std::optional<InquiryOutcome> asked) {
  const LedgerPolicy policy{settings_.ledger_ttl_s, settings_.warning_before_ms,
                            settings_.reconcile_after_ms};
  InquiryOutcome inquiry = asked.value_or(InquiryOutcome{});
  for (int attempt = 0; attempt < kLedgerWriteTries; ++attempt) {
    const auto stored = store_->read_ledger(payment);
    if (!stored) return;  // taken under a lease: it comes due again
    for (const auto& [id, text] : stored->outbox) publish(payment, id, text);
    // Asked once per look, before the first plan; a ledger changed meanwhile is planned again
    // with the same answer. Past this pass's share, it waits for the next pass.
    if (attempt == 0 && !asked && inquiry_due(*stored, now_ms, policy)) {
      inquiry =
          may_ask() ? inquiry_->ask(payment) : InquiryOutcome{InquiryOutcome::Asked::postponed, {}};
    }
    const auto plan = plan_deadline_check(*stored, now_ms, policy, inquiry);
    if (!plan) {
      store_->drop_deadline(payment);
      return;
    }
    const auto written = store_->update_ledger(payment, plan->update);
    if (!written) return;  // taken under a lease: it comes due again
    if (*written == LedgerWrite::changed_meanwhile) continue;  // an event completed meanwhile
    report_anomalies(metrics_, plan->step.anomalies);
    for (const auto& [id, text] : plan->update.anomalies) publish(payment, id, text);
    return;
  }
}

bool DeadlineWatch::publish(const std::string& payment, const std::string& id,
                            const std::string& text) {
  const DeliveryResult delivery = publish_and_wait(
      publisher_, {settings_.anomalies_topic, payment, text, {}}, settings_.publish_timeout);
  if (!delivery) {
    log_event(spdlog::level::warn, "anomaly_publish_failed",
              {{"anomalyId", id}, {"error", describe(delivery.error())}});
    return false;  // it stays in the outbox for the next look
  }
  return store_->clear_outbox(payment, id).has_value();
}

void DeadlineWatch::count_expiring(int64_t now_ms) {
  constexpr int64_t kHour = 3600 * 1000;
  const auto day = store_->count_expiring(now_ms, now_ms + 24 * kHour);
  const auto three_days = store_->count_expiring(now_ms + 24 * kHour, now_ms + 72 * kHour);
  const auto rest = store_->count_expiring(now_ms + 72 * kHour, INT64_MAX / 2);
  if (day) within_24h_ = *day;
  if (three_days) within_72h_ = *three_days;
  if (rest) later_ = *rest;  // a count the store did not give stays as it was
}

}  // namespace paynotify::worker
