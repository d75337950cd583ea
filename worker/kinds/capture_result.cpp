// CAPTURE_RESULT (notifyCapture): a capture's final outcome, S or F.
#include "worker/kinds/kinds.hpp"
#include "worker/kinds/notification_fields.hpp"

namespace paynotify::worker::kinds {
using namespace fields;

KindDerivation capture_result(const boost::json::object& n) {
  if (auto p = first_problem({check_result(n), require_string(n, "captureRequestId"),
                              require_string(n, "paymentId"), require_string(n, "captureId"),
                              check_amount(n, "captureAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  const std::string status = result_status(n);
  if (status != "S" && status != "F") {
    return invalid("CAPTURE_RESULT with resultStatus " + status + " is not final");
  }
  const bool succeeded = status == "S";
  KindEvent e = event_of(n);
  e.type = succeeded ? "CAPTURE_SUCCEEDED" : "CAPTURE_FAILED";
  e.event_id =
      join_event_id({"CAPTURE_RESULT", text(n, "paymentId"), text(n, "captureId"), status});
  e.occurred_at = text(n, "captureTime");
  e.fields["captureId"] = text(n, "captureId");
  e.fields["captureRequestId"] = text(n, "captureRequestId");
  e.fields["amount"] = n.at("captureAmount");
  e.ledger.effect = succeeded ? LedgerEffect::capture : LedgerEffect::fail_capture;
  e.ledger.capture_id = text(n, "captureId");
  e.ledger.amount = money(n, "captureAmount");
  e.ledger.occurred_at_ms = time_ms(n, "captureTime");
  return derived(std::move(e));
}

}  // namespace paynotify::worker::kinds
