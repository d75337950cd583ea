#include "tests/support/ledgers.hpp"

#include <chrono>
#include <stdexcept>

#include "common/antom/request_time.hpp"
#include "worker/ledger_write.hpp"
#include "worker/payment_event.hpp"
#include "worker/payment_ledger.hpp"

namespace paynotify::testing {

int64_t wall_now_ms() { return epoch_now_ms(); }

void store_authorization(worker::LedgerStore& store, const std::string& payment, int64_t age_ms,
                         int64_t warning_ms, int64_t reconcile_after_ms) {
  const int64_t now = wall_now_ms();
  const std::string body =
      R"({"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"ok"},"paymentRequestId":"pr","paymentId":")" +
      payment + R"(","paymentAmount":{"value":"4200","currency":"SGD"},"paymentTime":")" +
      iso8601_utc(now - age_ms) + R"("})";
  const auto derived = worker::derive_event(body, now);
  if (!derived.event) throw std::runtime_error("authorization not derived: " + derived.error);
  const auto step = worker::apply_event(worker::PaymentLedger{}, derived.event->ledger, now);
  const auto written = store.update_ledger(
      payment, worker::ledger_update("", step, 600, warning_ms, reconcile_after_ms));
  if (written.value() != worker::LedgerWrite::recorded)  // value() throws the store's error
    throw std::runtime_error("the authorization's ledger changed meanwhile");
}

std::vector<OutgoingRecord> anomalies_about(const RecordingPublisher& published,
                                            const std::string& payment) {
  std::vector<OutgoingRecord> out;
  for (auto& r : published.published("anomalies")) {
    if (r.key == payment) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace paynotify::testing
