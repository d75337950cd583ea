// PAYMENT_PENDING: the payment waits for the buyer or the scheme; the outcome comes later.
#include "worker/kinds/kinds.hpp"
#include "worker/kinds/notification_fields.hpp"

namespace paynotify::worker::kinds {
using namespace fields;

KindDerivation payment_pending(const boost::json::object& n) {
  if (auto p = first_problem({check_result(n), require_string(n, "paymentRequestId"),
                              require_string(n, "paymentId"), optional_amount(n, "paymentAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  KindEvent e = event_of(n);
  e.type = "PAYMENT_PENDING";
  e.event_id = join_event_id({"PAYMENT_PENDING", text(n, "paymentId")});
  if (const auto* amount = n.if_contains("paymentAmount")) e.fields["amount"] = *amount;
  return derived(std::move(e));
}

}  // namespace paynotify::worker::kinds
