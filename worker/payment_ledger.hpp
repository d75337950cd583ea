#pragma once
// The per-payment ledger: what Antom's card rules need to be checked, and the checks. Pure:
// (ledger, event) -> (ledger, anomalies). Antom's rules (antom-protocol.md, auth-capture):
// a manual capture must come within 7 days of a successful authorization, else the funds are
// released; the captured total must equal the authorized amount (UPDATE_AMOUNT_RESULT can
// change it); a failed authorization cannot be captured; a chargeback takes money back.
// Notifications arrive in any order (a capture can overtake its authorization), so every rule
// is checked whichever of its two events comes second. A capture id counts once however often
// its notification is re-sent.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "worker/ledger_facts.hpp"
#include "worker/payment_event.hpp"

namespace paynotify::worker {

enum class AnomalyKind {
  capture_amount_mismatch,  // captured total above, or a capture not equal to, the authorized
                            // amount; or another currency
  capture_after_failed_authorization,
  capture_after_expiry,
  authorization_expiring_uncaptured,  // less than --capture-warning-before left, nothing captured
  authorization_expired_uncaptured,
  dispute_opened,
  dispute_lost,
  inquiry_disagrees,  // Antom's answer to an inquiry contradicts a result applied before
};
std::string_view anomaly_kind_name(AnomalyKind k);  // CAPTURE_AMOUNT_MISMATCH, ...

struct Anomaly {
  AnomalyKind kind{};
  std::string id;  // stable: the kind, the payment and what caused it; published once
  std::string payment_id;
  std::string detail;  // one sentence for the log and the operator
  boost::json::object figures;
  std::vector<std::string> caused_by;  // event ids
};
boost::json::object anomaly_json(const Anomaly& a);

struct Capture {
  std::string capture_id;
  std::string event_id;
  Money amount;
  int64_t at_ms = 0;  // captureTime; 0 when Antom did not send it
};

struct PaymentLedger {
  enum class Authorization { unknown, authorized, failed };
  std::string payment_id;
  Authorization authorization = Authorization::unknown;
  std::string authorization_event;
  std::optional<Money> authorized;
  int64_t authorized_at_ms = 0;
  int64_t expires_at_ms = 0;      // authExpiryTime, else authorization time + 7 days
  std::vector<Capture> captures;  // successful, each capture id once
  int failed_captures = 0;
  std::vector<std::string> failed_capture_ids;  // each once
  std::vector<std::string> disputes_open;       // dispute ids
  std::vector<std::string> disputes_lost;
  std::vector<std::string> raised;  // ids of anomalies raised so far: each at most once
  // Reconciliation (README "Reconciliation"): when Antom last answered an inquiry about the
  // payment, and when to ask again after one that went unanswered (0: none pending).
  int64_t inquired_at_ms = 0;
  int64_t inquiry_retry_at_ms = 0;
  int inquiry_failures = 0;  // unanswered in a row: each doubles the wait for the next

  // Successful captures in the authorized currency (another currency is a mismatch of its own).
  int64_t captured_minor() const;
  bool captured() const { return !captures.empty(); }
};

inline constexpr int64_t kAuthorizationLifetimeMs = 7LL * 24 * 3600 * 1000;

struct LedgerStep {
  PaymentLedger ledger;
  std::vector<Anomaly> anomalies;  // new ones only
};

// An event of the ledger's payment; received_at_ms stands in for a missing paymentTime.
LedgerStep apply_event(PaymentLedger ledger, const LedgerFacts& event, int64_t received_at_ms);
inline LedgerStep apply_event(PaymentLedger ledger, const PaymentEvent& event,
                              int64_t received_at_ms) {
  return apply_event(std::move(ledger), event.ledger, received_at_ms);
}

// The deadline watch's check: an authorization with nothing captured, its expiry closer
// than warning_before_ms (EXPIRING) or passed (EXPIRED).
LedgerStep check_deadline(PaymentLedger ledger, int64_t now_ms, int64_t warning_before_ms);

// When the deadline watch should look next: the warning time, then the expiry; nothing once
// captured, failed, or both raised.
std::optional<int64_t> next_deadline(const PaymentLedger& ledger, int64_t warning_before_ms);

// When reconciliation should ask Antom about the payment next; nothing when it need not, or
// reconcile_after_ms is 0 (off). An authorization with nothing captured is asked about
// reconcile_after_ms after it (automatic capture reports within seconds; a capture called and
// never notified shows by then), and once more that long before the expiry warning is due, so
// that a capture Antom never notified is recovered before it is reported as missing. An
// inquiry that went unanswered is asked again at inquiry_retry_at_ms, but never past the
// authorization's expiry.
std::optional<int64_t> next_inquiry(const PaymentLedger& ledger, int64_t reconcile_after_ms,
                                    int64_t warning_before_ms);
inline constexpr int64_t kInquiryRetryAfterMs = 5 * 60 * 1000;
inline constexpr int64_t kInquiryRetryMaxMs = 6 * 3600 * 1000;

// Notes an inquiry that went unanswered: asked again kInquiryRetryAfterMs later, doubling with
// each one unanswered in a row up to kInquiryRetryMaxMs (a wrong key on either side fails every
// inquiry: they must not come every 5 minutes for weeks).
void note_unanswered_inquiry(PaymentLedger& ledger, int64_t now_ms);

// What an inquiry answered, set beside the ledger: the results Antom's answer stands for (their
// ledger facts, common/antom/inquiry.hpp). The ledger does not apply them (they travel the main
// topic and are applied as events); it notes the inquiry and raises INQUIRY_DISAGREES where
// Antom's answer contradicts a result applied before: an authorization or a capture that a
// notification said succeeded and Antom now says failed, or the other way round.
LedgerStep check_inquiry(PaymentLedger ledger, const std::vector<LedgerFacts>& answered,
                         int64_t now_ms);

// When an authorization with nothing captured expires; nothing otherwise.
std::optional<int64_t> uncaptured_expiry(const PaymentLedger& ledger);

// Its values are allocated from `memory` (the default heap when none is given).
boost::json::object ledger_json(const PaymentLedger& ledger, boost::json::storage_ptr memory = {});
// Nothing when `doc` is not a ledger this code wrote.
std::optional<PaymentLedger> ledger_from_json(const boost::json::value& doc);

}  // namespace paynotify::worker
