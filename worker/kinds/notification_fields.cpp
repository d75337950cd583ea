#include "worker/kinds/notification_fields.hpp"

#include <algorithm>
#include <charconv>

#include "common/antom/request_time.hpp"

namespace paynotify::worker::fields {
namespace json = boost::json;
namespace {

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_currency(std::string_view s) {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

std::string text(const json::object& n, std::string_view name) {
  const auto* v = n.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string result_status(const json::object& n) {
  const auto* r = n.if_contains("result");
  return r != nullptr && r->is_object() ? text(r->get_object(), "resultStatus") : std::string();
}

std::optional<Money> money(const json::object& n, std::string_view name) {
  const auto* v = n.if_contains(name);
  if (v == nullptr || !v->is_object()) return std::nullopt;
  const std::string value = text(v->get_object(), "value");
  Money m{text(v->get_object(), "currency"), 0};
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), m.minor);
  if (ec != std::errc() || end != value.data() + value.size() || m.currency.empty())
    return std::nullopt;
  return m;
}

int64_t time_ms(const json::object& n, std::string_view name) {
  return parse_request_time_ms(text(n, name)).value_or(0);
}

std::string require_string(const json::object& n, std::string_view name) {
  const auto* v = n.if_contains(name);
  const auto* s = v ? v->if_string() : nullptr;
  if (s == nullptr) return std::string(name) + " is required and must be a string";
  if (s->empty()) return std::string(name) + " must not be empty";
  return {};
}

std::string check_amount(const json::object& n, std::string_view name) {
  const auto* v = n.if_contains(name);
  const auto* amount = v ? v->if_object() : nullptr;
  if (amount == nullptr) return std::string(name) + " is required and must be an object";
  const auto* currency = amount->if_contains("currency");
  if (currency == nullptr || !currency->is_string() || !is_currency(currency->as_string())) {
    return std::string(name) + ".currency must be an ISO 4217 code";
  }
  const auto* value = amount->if_contains("value");
  if (value == nullptr || !value->is_string() || !is_digits(value->as_string())) {
    return std::string(name) + ".value must be an integer string in minor units";
  }
  return {};
}

std::string optional_amount(const json::object& n, std::string_view name) {
  return n.contains(name) ? check_amount(n, name) : std::string();
}

std::string check_result(const json::object& n) {
  const auto* v = n.if_contains("result");
  const auto* result = v ? v->if_object() : nullptr;
  if (result == nullptr) return "result is required and must be an object";
  const std::string status = text(*result, "resultStatus");
  if (status != "S" && status != "F" && status != "U")
    return "result.resultStatus must be S, F or U";
  if (!result->contains("resultCode")) return "result.resultCode is required";
  return {};
}

std::string first_problem(std::initializer_list<std::string> problems) {
  for (const auto& p : problems) {
    if (!p.empty()) return p;
  }
  return {};
}

void copy_if_present(const json::object& from, json::object& to,
                     std::initializer_list<std::string_view> names) {
  for (const auto name : names) {
    if (const auto* v = from.if_contains(name)) to[name] = *v;
  }
}

KindDerivation invalid(std::string error) {
  return {std::nullopt, NoEvent::invalid_record, std::move(error)};
}

KindDerivation unsupported(std::string error) {
  return {std::nullopt, NoEvent::unsupported_kind, std::move(error)};
}

KindDerivation derived(KindEvent event) { return {std::move(event), NoEvent::none, {}}; }

KindEvent event_of(const json::object& n) {
  return KindEvent{.type = {},
                   .event_id = {},
                   .occurred_at = {},
                   .fields = json::object(n.storage()),
                   .ledger = {}};
}

}  // namespace paynotify::worker::fields
