// PAYMENT_RESULT (notifyPayment): the authorization's outcome, S, F or U.
#include "worker/kinds/kinds.hpp"
#include "worker/kinds/notification_fields.hpp"

namespace paynotify::worker::kinds {
using namespace fields;

KindDerivation payment_result(const boost::json::object& n) {
  if (auto p = first_problem({check_result(n), require_string(n, "paymentRequestId"),
                              require_string(n, "paymentId"), check_amount(n, "paymentAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  const std::string status = result_status(n);
  KindEvent e = event_of(n);
  e.type = status == "S"   ? "PAYMENT_AUTHORIZED"
           : status == "F" ? "PAYMENT_FAILED"
                           : "PAYMENT_PENDING";
  e.event_id = join_event_id({"PAYMENT_RESULT", text(n, "paymentId"), status});
  e.occurred_at = text(n, "paymentTime");
  e.fields["amount"] = n.at("paymentAmount");
  copy_if_present(n, e.fields, {"authExpiryTime"});
  e.ledger.effect = status == "S"   ? LedgerEffect::authorize
                    : status == "F" ? LedgerEffect::fail_authorization
                                    : LedgerEffect::none;
  e.ledger.amount = money(n, "paymentAmount");
  e.ledger.occurred_at_ms = time_ms(n, "paymentTime");
  e.ledger.auth_expiry_ms = time_ms(n, "authExpiryTime");
  return derived(std::move(e));
}

}  // namespace paynotify::worker::kinds
