#pragma once
// What the completion (worker_engine) and the deadline watch both do around a ledger step:
// read the stored form, turn the step into the store's write, and report what it raised.

#include <optional>
#include <string>

#include "worker/dedupe_store.hpp"
#include "worker/payment_ledger.hpp"
#include "worker/worker_metrics.hpp"

namespace paynotify::worker {

// The ledger stored as `text`; nothing when there is none ("") or it is not one this code wrote.
std::optional<PaymentLedger> ledger_from_text(const std::string& text);

// The write of `step` against the ledger read as `expected`, its new anomalies into the outbox.
LedgerUpdate ledger_update(const std::string& expected, const LedgerStep& step, int64_t ttl_s,
                           int64_t warning_before_ms);

// Once written: counted by kind and logged at warning.
void report_anomalies(WorkerMetrics& metrics, const std::vector<Anomaly>& anomalies);

}  // namespace paynotify::worker
