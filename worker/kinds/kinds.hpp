#pragma once
// The derivation of each kind this worker models, one file each; kinds.cpp lists them.

#include <boost/json/object.hpp>

#include "worker/kinds/kind_spec.hpp"
#include "worker/payment_event.hpp"

namespace paynotify::worker::kinds {

KindDerivation payment_result(const boost::json::object& n);
KindDerivation payment_pending(const boost::json::object& n);
KindDerivation capture_result(const boost::json::object& n);
KindDerivation refund_result(const boost::json::object& n);
KindDerivation update_amount_result(const boost::json::object& n);
KindDerivation dispute_created(const boost::json::object& n);
KindDerivation dispute_judged(const boost::json::object& n);
KindDerivation dispute_cancelled(const boost::json::object& n);
KindDerivation dispute_defense_supplied(const boost::json::object& n);
KindDerivation dispute_defense_due_alert(const boost::json::object& n);
KindDerivation dispute_rdr_resolved(const boost::json::object& n);
KindDerivation dispute_accepted(const boost::json::object& n);

}  // namespace paynotify::worker::kinds
