#pragma once
// The ledger's writes, planned as pure steps shared by the completion (worker_engine) and the
// deadline watch: the stored form read, the step applied, the store's compare-and-set write.
// Both run the same round: read (publishing what the outbox still holds), plan, write; a
// ledger changed meanwhile is read again, up to kLedgerWriteTries; then report and publish.

#include <optional>
#include <string>

#include "worker/payment_ledger.hpp"
#include "worker/store/dedupe_store.hpp"
#include "worker/worker_metrics.hpp"

namespace paynotify::worker {

// The ledger stored as `text`; nothing when there is none ("") or it is not one this code wrote.
std::optional<PaymentLedger> ledger_from_text(const std::string& text);

// The write of `step` against the ledger read as `expected`, its new anomalies into the outbox.
// The deadline watch looks next at the earlier of the ledger's deadline and its next inquiry.
LedgerUpdate ledger_update(const std::string& expected, const LedgerStep& step, int64_t ttl_s,
                           int64_t warning_before_ms, int64_t reconcile_after_ms = 0);

struct LedgerPolicy {
  int64_t ttl_s = 35LL * 86400;                    // well past the 7-day capture deadline
  int64_t warning_before_ms = 24LL * 3600 * 1000;  // --capture-warning-before
  int64_t reconcile_after_ms = 0;  // --reconcile-capture-after; 0: reconciliation off
};

inline constexpr int kLedgerWriteTries = 5;
// With new anomalies the deadline watch looks this soon too: if their publication fails, it
// sweeps the outbox.
inline constexpr int64_t kOutboxSweepAfterMs = 60000;

struct LedgerPlan {
  LedgerStep step;  // its anomalies are reported once the write is made
  LedgerUpdate update;
};

// An event's completion: the event applied to the ledger as stored (a new ledger when none is).
// Nothing when a ledger is stored that this code cannot read (another version wrote it, or it
// is damaged): it is left as it is, and the event completes without it.
std::optional<LedgerPlan> plan_event(const StoredLedger& stored, const LedgerFacts& event,
                                     int64_t received_at_ms, int64_t now_ms,
                                     const LedgerPolicy& policy);

// Whether reconciliation should ask Antom about the payment now (policy.reconcile_after_ms 0:
// never).
bool inquiry_due(const StoredLedger& stored, int64_t now_ms, const LedgerPolicy& policy);

// What asking Antom about a payment came to, just before the deadline watch's look at it.
struct InquiryOutcome {
  // postponed: due, but this pass had no time or share left for it (or the watch is stopping):
  // nothing is checked, and the payment comes due again at once.
  enum class Asked { no, answered, unanswered, postponed };
  Asked asked = Asked::no;
  std::vector<LedgerFacts> answered;  // the results Antom's answer stands for, when answered
};

// The results an inquiry recovered travel the main topic and are applied moments later: when
// they hold a successful capture, the deadline check waits this long for them rather than
// report an expiry that the capture answers.
inline constexpr int64_t kRecoveredResultsGraceMs = 60000;

// The deadline watch's look at a due payment, with what an inquiry just answered (noted, and
// checked against the ledger: check_inquiry), that it went unanswered (asked again later:
// note_unanswered_inquiry) or was postponed; nothing when no ledger is stored (its TTL ran out, or
// Redis lost it): there is nothing to watch.
std::optional<LedgerPlan> plan_deadline_check(const StoredLedger& stored, int64_t now_ms,
                                              const LedgerPolicy& policy,
                                              const InquiryOutcome& inquiry = {});

// Once written: counted by kind and logged at warning.
void report_anomalies(WorkerMetrics& metrics, const std::vector<Anomaly>& anomalies);

}  // namespace paynotify::worker
