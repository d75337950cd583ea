// UPDATE_AMOUNT_RESULT: the result of the updateAmount API; on S the authorized amount is
// paymentAmount from now on.
#include "worker/kinds/kinds.hpp"
#include "worker/kinds/notification_fields.hpp"

namespace paynotify::worker::kinds {
using namespace fields;

KindDerivation update_amount_result(const boost::json::object& n) {
  if (auto p =
          first_problem({check_result(n), require_string(n, "paymentId"),
                         require_string(n, "updateRequestId"), check_amount(n, "paymentAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  const std::string status = result_status(n);
  if (status != "S" && status != "F") {
    return invalid("UPDATE_AMOUNT_RESULT with resultStatus " + status + " is not final");
  }
  const bool succeeded = status == "S";
  KindEvent e = event_of(n);
  e.type = succeeded ? "AUTHORIZATION_AMOUNT_UPDATED" : "AUTHORIZATION_AMOUNT_UPDATE_FAILED";
  e.event_id = join_event_id(
      {"UPDATE_AMOUNT_RESULT", text(n, "paymentId"), text(n, "updateRequestId"), status});
  e.fields["updateRequestId"] = text(n, "updateRequestId");
  e.fields["amount"] = n.at("paymentAmount");
  if (succeeded) {
    e.ledger.effect = LedgerEffect::update_authorized_amount;
    e.ledger.amount = money(n, "paymentAmount");
  }
  return derived(std::move(e));
}

}  // namespace paynotify::worker::kinds
