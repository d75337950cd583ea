#pragma once
// Ledgers as the worker's completion leaves them, for the deadline watch's tests (unit, on the
// in-memory store; integration, on Redis), and what a watch published about a payment.

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/worker_fakes.hpp"
#include "worker/store/ledger_store.hpp"

namespace paynotify::testing {

int64_t wall_now_ms();

// An authorization `age_ms` old (4200 SGD) with nothing captured, written through `store` as
// the completion would: on the deadline watch `warning_ms` ahead of its expiry (and, with
// reconciliation on, `reconcile_after_ms` after the authorization). Throws when the store does
// not take it.
void store_authorization(worker::LedgerStore& store, const std::string& payment, int64_t age_ms,
                         int64_t warning_ms, int64_t reconcile_after_ms = 0);

// The records a watch published to the anomalies topic about one payment.
std::vector<OutgoingRecord> anomalies_about(const RecordingPublisher& published,
                                            const std::string& payment);

}  // namespace paynotify::testing
