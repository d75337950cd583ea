#pragma once
// What the payment's ledger learns from one event: the kind that derived the event says it
// (worker/kinds/), so the ledger knows a handful of effects, not every notification kind.

#include <cstdint>
#include <optional>
#include <string>

namespace paynotify::worker {

struct Money {
  std::string currency;
  int64_t minor = 0;  // in the currency's minor unit, as Antom sends `value`
  bool operator==(const Money&) const = default;
};

enum class LedgerEffect {
  none,       // nothing the money rules use: pending, refunds, dispute paperwork
  authorize,  // the authorization succeeded: amount, occurred_at_ms, auth_expiry_ms
  fail_authorization,
  capture,  // a capture succeeded: capture_id, amount, occurred_at_ms
  fail_capture,
  update_authorized_amount,  // the authorized amount is `amount` from now on
  open_dispute,              // dispute_id, amount, dispute_reason
  judge_dispute,             // dispute_id, dispute_judged_result, dispute_judged_amount
  cancel_dispute,            // dispute_id
  lose_dispute,  // the merchant accepted the chargeback (or let it time out): dispute_reason
};

// A record holds these while it waits its turn, not the event's JSON: thousands of records wait
// at once, and their many small allocations, held long, made every malloc of the worker dearer.
struct LedgerFacts {
  LedgerEffect effect = LedgerEffect::none;
  std::string event_id;
  std::string payment_id;
  std::optional<Money> amount;  // authorized, captured, updated or disputed
  int64_t occurred_at_ms = 0;   // the notification's time of the event; 0 when absent
  int64_t auth_expiry_ms = 0;   // authExpiryTime; 0 when absent
  std::string capture_id;
  std::string dispute_id;
  std::string dispute_reason;         // disputeReasonMsg, or disputeAcceptReason
  std::string dispute_judged_result;  // disputeJudgedResult
  std::optional<Money> dispute_judged_amount;
};

// Whether the event changes a ledger (others skip the ledger's read and write).
inline bool changes_ledger(const LedgerFacts& facts) { return facts.effect != LedgerEffect::none; }

}  // namespace paynotify::worker
