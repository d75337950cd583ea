#include "worker/kinds/dispute.hpp"

#include "worker/kinds/kinds.hpp"
#include "worker/kinds/notification_fields.hpp"

namespace paynotify::worker::kinds {
using namespace fields;
namespace json = boost::json;
namespace {

// Antom's own example and SDKs send a JSON boolean, other documents a string: the order
// service always gets a boolean.
std::optional<bool> defendable(const json::value& v) {
  if (const bool* b = v.if_bool()) return *b;
  if (const auto* s = v.if_string()) {
    if (*s == "true") return true;
    if (*s == "false") return false;
  }
  return std::nullopt;
}

}  // namespace

KindDerivation dispute_event(const json::object& n, std::string_view type, LedgerEffect effect,
                             std::string_view time_field) {
  if (auto p = first_problem({require_string(n, "paymentId"), require_string(n, "disputeId"),
                              optional_amount(n, "disputeAmount"),
                              optional_amount(n, "disputeJudgedAmount")});
      !p.empty()) {
    return invalid(std::move(p));
  }
  const std::string notification_type = text(n, "disputeNotificationType");
  KindEvent e = event_of(n);
  e.type = type;
  e.event_id =
      join_event_id({"DISPUTE", text(n, "paymentId"), text(n, "disputeId"), notification_type});
  e.occurred_at = text(n, time_field);
  e.fields["disputeId"] = text(n, "disputeId");
  e.fields["disputeNotificationType"] = notification_type;
  e.fields["amount"] = n.contains("disputeAmount") ? n.at("disputeAmount") : json::value(nullptr);
  copy_if_present(
      n, e.fields,
      {"disputeType", "disputeReasonMsg", "disputeReasonCode", "disputeJudgedResult",
       "disputeJudgedAmount", "disputeJudgedTime", "disputeAcceptReason", "defenseDueTime"});
  if (const auto* v = n.if_contains("defendable")) {
    const auto flag = defendable(*v);
    if (!flag) return invalid("defendable must be true or false, as a boolean or a string");
    e.fields["defendable"] = *flag;
  }
  e.ledger.effect = effect;
  e.ledger.dispute_id = text(n, "disputeId");
  e.ledger.amount = money(n, "disputeAmount");
  e.ledger.occurred_at_ms = time_ms(n, time_field);
  e.ledger.dispute_reason = n.contains("disputeAcceptReason") ? text(n, "disputeAcceptReason")
                                                              : text(n, "disputeReasonMsg");
  e.ledger.dispute_judged_result = text(n, "disputeJudgedResult");
  e.ledger.dispute_judged_amount = money(n, "disputeJudgedAmount");
  return derived(std::move(e));
}

}  // namespace paynotify::worker::kinds
