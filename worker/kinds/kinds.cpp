#include "worker/kinds/kinds.hpp"

#include <algorithm>
#include <array>

#include "common/antom/notification.hpp"
#include "worker/kinds/notification_fields.hpp"

namespace paynotify::worker {
namespace {

// Every kind this worker models: a new kind is a file in this folder and one line here.
constexpr std::array kKinds{
    KindSpec{"PAYMENT_RESULT", {}, kinds::payment_result},
    KindSpec{"PAYMENT_PENDING", {}, kinds::payment_pending},
    KindSpec{"CAPTURE_RESULT", {}, kinds::capture_result},
    KindSpec{"REFUND_RESULT", {}, kinds::refund_result},
    KindSpec{"UPDATE_AMOUNT_RESULT", {}, kinds::update_amount_result},
    KindSpec{kDisputeKind, "DISPUTE_CREATED", kinds::dispute_created},
    KindSpec{kDisputeKind, "DISPUTE_JUDGED", kinds::dispute_judged},
    KindSpec{kDisputeKind, "DISPUTE_CANCELLED", kinds::dispute_cancelled},
    KindSpec{kDisputeKind, "DEFENSE_SUPPLIED", kinds::dispute_defense_supplied},
    KindSpec{kDisputeKind, "DEFENSE_DUE_ALERT", kinds::dispute_defense_due_alert},
    KindSpec{kDisputeKind, "RDR_RESOLVED", kinds::dispute_rdr_resolved},
    KindSpec{kDisputeKind, "DISPUTE_ACCEPTED", kinds::dispute_accepted},
};

}  // namespace

std::string_view subtype_field(std::string_view kind) {
  return kind == kDisputeKind ? "disputeNotificationType" : "";
}

std::span<const KindSpec> all_kinds() { return kKinds; }

const KindSpec* find_kind(std::string_view kind, const boost::json::object& notification) {
  const std::string_view field = subtype_field(kind);
  const std::string subtype = field.empty() ? std::string() : fields::text(notification, field);
  const auto* spec = std::find_if(kKinds.begin(), kKinds.end(), [&](const KindSpec& s) {
    return s.kind == kind && s.subtype == subtype;
  });
  return spec == kKinds.end() ? nullptr : spec;
}

}  // namespace paynotify::worker
