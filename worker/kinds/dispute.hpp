#pragma once
// What every dispute notification (notifyDispute) carries; each disputeNotificationType is a
// kind of its own (dispute_*.cpp) that names its type, its ledger effect and its time field.

#include <boost/json/object.hpp>

#include <string_view>

#include "worker/kinds/kind_spec.hpp"

namespace paynotify::worker::kinds {

KindDerivation dispute_event(const boost::json::object& n, std::string_view type,
                             LedgerEffect effect, std::string_view time_field = "disputeTime");

}  // namespace paynotify::worker::kinds
