#include "worker/ledger_write.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "common/service/log.hpp"
#include "worker/json_scratch.hpp"

namespace paynotify::worker {

using LedgerScratch = JsonScratch<8192>;  // a ledger's JSON, read or written

std::optional<PaymentLedger> ledger_from_text(const std::string& text) {
  if (text.empty()) return std::nullopt;
  LedgerScratch scratch;
  boost::system::error_code ec;
  const auto doc = boost::json::parse(text, ec, &scratch.memory);
  return ec ? std::nullopt : ledger_from_json(doc);
}

LedgerUpdate ledger_update(const std::string& expected, const LedgerStep& step, int64_t ttl_s,
                           int64_t warning_before_ms, int64_t reconcile_after_ms) {
  LedgerScratch scratch;
  LedgerUpdate update{expected,
                      boost::json::serialize(ledger_json(step.ledger, &scratch.memory)),
                      ttl_s,
                      next_deadline(step.ledger, warning_before_ms),
                      uncaptured_expiry(step.ledger),
                      {}};
  if (const auto ask = next_inquiry(step.ledger, reconcile_after_ms, warning_before_ms))
    update.deadline_ms = std::min(update.deadline_ms.value_or(*ask), *ask);
  for (const auto& a : step.anomalies)
    update.anomalies.emplace_back(a.id, boost::json::serialize(anomaly_json(a)));
  return update;
}

std::optional<LedgerPlan> plan_event(const StoredLedger& stored, const LedgerFacts& event,
                                     int64_t received_at_ms, int64_t now_ms,
                                     const LedgerPolicy& policy) {
  auto ledger = ledger_from_text(stored.text);
  if (!ledger && !stored.text.empty()) return std::nullopt;
  LedgerStep step = apply_event(std::move(ledger).value_or(PaymentLedger{}), event, received_at_ms);
  LedgerUpdate update = ledger_update(stored.text, step, policy.ttl_s, policy.warning_before_ms,
                                      policy.reconcile_after_ms);
  if (!update.anomalies.empty()) {
    const int64_t sweep = now_ms + kOutboxSweepAfterMs;
    update.deadline_ms = std::min(update.deadline_ms.value_or(sweep), sweep);
  }
  return LedgerPlan{std::move(step), std::move(update)};
}

std::optional<LedgerPlan> plan_deadline_check(const StoredLedger& stored, int64_t now_ms,
                                              const LedgerPolicy& policy,
                                              const InquiryOutcome& inquiry) {
  auto ledger = ledger_from_text(stored.text);
  if (!ledger) return std::nullopt;
  std::vector<Anomaly> disagreements;
  switch (inquiry.asked) {
    case InquiryOutcome::Asked::no: break;
    case InquiryOutcome::Asked::answered: {
      LedgerStep checked = check_inquiry(std::move(*ledger), inquiry.answered, now_ms);
      ledger = std::move(checked.ledger);
      disagreements = std::move(checked.anomalies);
      break;
    }
    case InquiryOutcome::Asked::unanswered: note_unanswered_inquiry(*ledger, now_ms); break;
    case InquiryOutcome::Asked::postponed: {
      // The expiry warning waits for the inquiry meant to come before it.
      LedgerStep waiting{std::move(*ledger), {}};
      LedgerUpdate update = ledger_update(stored.text, waiting, policy.ttl_s,
                                          policy.warning_before_ms, policy.reconcile_after_ms);
      update.deadline_ms = now_ms;
      return LedgerPlan{std::move(waiting), std::move(update)};
    }
  }
  const bool capture_on_its_way =
      std::any_of(inquiry.answered.begin(), inquiry.answered.end(),
                  [](const LedgerFacts& f) { return f.effect == LedgerEffect::capture; });
  LedgerStep step = capture_on_its_way
                        ? LedgerStep{std::move(*ledger), {}}
                        : check_deadline(std::move(*ledger), now_ms, policy.warning_before_ms);
  step.anomalies.insert(step.anomalies.begin(), disagreements.begin(), disagreements.end());
  LedgerUpdate update = ledger_update(stored.text, step, policy.ttl_s, policy.warning_before_ms,
                                      policy.reconcile_after_ms);
  // Once the capture is applied the payment is off the watch; if it never is, the check runs.
  if (capture_on_its_way && update.deadline_ms)
    update.deadline_ms = now_ms + kRecoveredResultsGraceMs;
  return LedgerPlan{std::move(step), std::move(update)};
}

bool inquiry_due(const StoredLedger& stored, int64_t now_ms, const LedgerPolicy& policy) {
  if (policy.reconcile_after_ms <= 0) return false;
  const auto ledger = ledger_from_text(stored.text);
  if (!ledger) return false;
  const auto next = next_inquiry(*ledger, policy.reconcile_after_ms, policy.warning_before_ms);
  return next && *next <= now_ms;
}

void report_anomalies(WorkerMetrics& metrics, const std::vector<Anomaly>& anomalies) {
  for (const auto& a : anomalies) {
    metrics.anomaly(std::string(anomaly_kind_name(a.kind)));
    log_event(spdlog::level::warn, "payment_anomaly",
              {{"kind", anomaly_kind_name(a.kind)},
               {"paymentId", a.payment_id},
               {"anomalyId", a.id},
               {"detail", a.detail}});
  }
}

}  // namespace paynotify::worker
