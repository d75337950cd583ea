// REFUND_RESULT (notifyRefund): a refund's final outcome, SUCCESS or FAIL. The ledger does not
// follow refunds: no money rule of the auth-capture flow reads them.
#include "worker/kinds/kinds.hpp"
#include "worker/kinds/notification_fields.hpp"

namespace paynotify::worker::kinds {
using namespace fields;

KindDerivation refund_result(const boost::json::object& n) {
  if (auto p =
          first_problem({require_string(n, "refundStatus"), require_string(n, "refundRequestId"),
                         require_string(n, "refundId"), check_amount(n, "refundAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  const std::string status = text(n, "refundStatus");
  if (status != "SUCCESS" && status != "FAIL") {
    return invalid("REFUND_RESULT with refundStatus " + status + " is not final");
  }
  KindEvent e = event_of(n);
  e.type = status == "SUCCESS" ? "REFUND_SUCCEEDED" : "REFUND_FAILED";
  e.event_id =
      join_event_id({"REFUND_RESULT", text(n, "refundRequestId"), text(n, "refundId"), status});
  e.occurred_at = text(n, "refundTime");
  e.fields["refundId"] = text(n, "refundId");
  e.fields["refundRequestId"] = text(n, "refundRequestId");
  e.fields["amount"] = n.at("refundAmount");
  return derived(std::move(e));
}

}  // namespace paynotify::worker::kinds
