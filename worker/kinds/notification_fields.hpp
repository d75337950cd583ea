#pragma once
// Reading and checking a notification's fields, shared by the kinds. Each check returns what
// is wrong, naming the field, or "" when the field is fine.

#include <boost/json/object.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "worker/kinds/kind_spec.hpp"

namespace paynotify::worker::fields {

std::string text(const boost::json::object& n, std::string_view name);  // "" unless a string
std::string result_status(const boost::json::object& n);  // result.resultStatus, or ""
// An amount as Antom sends it ({"currency":"SGD","value":"4200"}); nothing when malformed.
std::optional<Money> money(const boost::json::object& n, std::string_view name);
int64_t time_ms(const boost::json::object& n, std::string_view name);  // ISO 8601; 0 if absent

std::string require_string(const boost::json::object& n, std::string_view name);
std::string check_amount(const boost::json::object& n, std::string_view name);
std::string optional_amount(const boost::json::object& n, std::string_view name);
std::string check_result(const boost::json::object& n);  // result.resultStatus S, F or U
std::string first_problem(std::initializer_list<std::string> problems);

void copy_if_present(const boost::json::object& from, boost::json::object& to,
                     std::initializer_list<std::string_view> names);

KindDerivation invalid(std::string error);
KindDerivation unsupported(std::string error);
KindDerivation derived(KindEvent event);
// An event whose fields live where the notification's values do (derive_event's memory), so
// the notification's values move into the order request without copies.
KindEvent event_of(const boost::json::object& n);

}  // namespace paynotify::worker::fields
