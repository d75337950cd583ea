#include "common/antom/notification.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parser.hpp>

#include <algorithm>
#include <array>
#include <cstring>

namespace paynotify {
namespace json = boost::json;
namespace {

// A kind becomes a Kafka header and a metric label: only Antom's form of names passes as is.
bool is_kind_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The top-level fields a route is made of: the kind, the payment, then the merchant request
// ids in the order they are looked for (vaultingRequestId also marks its kind by being there);
// the last two only mark a kind.
enum Field : std::size_t {
  notify_type,
  payment_id,
  payment_request_id,
  capture_request_id,
  refund_request_id,
  update_request_id,
  vaulting_request_id,
  dispute_notification_type,
  authorization_notify_type,
  field_count,
};
constexpr std::array<std::string_view, field_count> kFieldNames{"notifyType",
                                                                "paymentId",
                                                                "paymentRequestId",
                                                                "captureRequestId",
                                                                "refundRequestId",
                                                                "updateRequestId",
                                                                "vaultingRequestId",
                                                                "disputeNotificationType",
                                                                "authorizationNotifyType"};

constexpr std::size_t kLongestFieldName =
    std::max_element(kFieldNames.begin(), kFieldNames.end(),
                     [](std::string_view a, std::string_view b) { return a.size() < b.size(); })
        ->size();

std::optional<Field> field_named(std::string_view name) {
  for (std::size_t i = 0; i < kFieldNames.size(); ++i) {
    if (kFieldNames[i] == name) return static_cast<Field>(i);
  }
  return std::nullopt;
}

// What the top level holds of each field: whether it is there, and its text when a string.
struct TopFields {
  std::array<bool, field_count> present{};
  std::array<std::string, field_count> text;  // empty unless the value is a string
};

NotificationRoute route_of(TopFields& f) {
  NotificationRoute route;
  if (f.present[notify_type]) {
    route.kind = is_kind_name(f.text[notify_type]) ? std::move(f.text[notify_type])
                                                   : std::string(kUnknownKind);
  } else if (f.present[dispute_notification_type]) {
    route.kind = kDisputeKind;
  } else if (f.present[authorization_notify_type]) {
    route.kind = kAuthorizationKind;
  } else if (f.present[vaulting_request_id]) {
    route.kind = kVaultingKind;
  } else {
    route.kind = kUnknownKind;
  }
  route.payment_id = std::move(f.text[payment_id]);
  for (std::size_t i = payment_request_id; i <= vaulting_request_id; ++i) {
    if (!f.text[i].empty()) {
      route.merchant_request = std::move(f.text[i]);
      break;
    }
  }
  return route;
}

// Boost.JSON's parser events, keeping only the top-level fields above: no document is built.
// The ingest routes every notification, and building the document cost 2-3 us of its
// ~48 us per acknowledgement (2026-12-03, README "What the libraries cost on their own"). As in the
// document, the last of duplicate keys counts.
class TopFieldReader {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  TopFields fields;
  bool top_is_object = false;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    if (depth_ == 0) top_is_object = true;
    value_not_a_string();
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) { return --depth_, true; }
  bool on_array_begin(json::error_code&) {
    value_not_a_string();
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) { return --depth_, true; }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (depth_ == 1) append_key(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (depth_ != 1) return true;
    append_key(s);
    pending_ = key_size_ <= key_.size() ? field_named({key_.data(), key_size_}) : std::nullopt;
    key_size_ = 0;
    if (pending_) {
      fields.present[*pending_] = true;
      fields.text[*pending_].clear();
    }
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (depth_ == 1 && pending_) fields.text[*pending_].append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    if (depth_ == 1 && pending_) fields.text[*pending_].append(s.data(), s.size());
    pending_.reset();
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t, json::string_view, json::error_code&) { return value_not_a_string(); }
  bool on_uint64(uint64_t, json::string_view, json::error_code&) { return value_not_a_string(); }
  bool on_double(double, json::string_view, json::error_code&) { return value_not_a_string(); }
  bool on_bool(bool, json::error_code&) { return value_not_a_string(); }
  bool on_null(json::error_code&) { return value_not_a_string(); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  // A top-level field's value that is a number, true/false/null, an object or an array.
  bool value_not_a_string() {
    if (depth_ == 1 && pending_) fields.text[*pending_].clear();
    if (depth_ == 1) pending_.reset();
    return true;
  }

  // A top-level key as its parts come, in place: one longer than every field's name is none
  // of them, and is only counted.
  void append_key(json::string_view s) {
    if (key_size_ + s.size() <= key_.size())
      std::memcpy(key_.data() + key_size_, s.data(), s.size());
    key_size_ += s.size();
  }

  int depth_ = 0;
  std::array<char, kLongestFieldName> key_{};
  std::size_t key_size_ = 0;
  std::optional<Field> pending_;  // the field whose value comes next
};

json::parse_options notification_parse_options() {
  json::parse_options options;
  options.max_depth = 32;
  return options;
}

}  // namespace

std::optional<json::object> parse_notification(std::string_view body, json::storage_ptr memory) {
  const json::parse_options options = notification_parse_options();
  // The parser's working stack on this frame: a notification's depth needs no allocation.
  unsigned char working[2048];
  json::parser parser(json::storage_ptr(), options, working);
  parser.reset(std::move(memory));
  json::error_code ec;
  parser.write(body, ec);
  if (ec) return std::nullopt;
  json::value doc = parser.release();
  if (!doc.is_object()) return std::nullopt;
  return std::move(doc.as_object());
}

NotificationRoute route_notification(const json::object& body) {
  TopFields fields;
  for (std::size_t i = 0; i < field_count; ++i) {
    const auto* value = body.if_contains(kFieldNames[i]);
    fields.present[i] = value != nullptr;
    if (const auto* text = value ? value->if_string() : nullptr) fields.text[i] = *text;
  }
  return route_of(fields);
}

NotificationRoute route_notification(std::string_view body) {
  json::basic_parser<TopFieldReader> parser(notification_parse_options());
  json::error_code ec;
  // more = false: the body is whole; a value followed by anything but blanks is not JSON.
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (ec || used != body.size() || !parser.handler().top_is_object) {
    return NotificationRoute{std::string(kUnknownKind), {}, {}};
  }
  return route_of(parser.handler().fields);
}

std::string partition_key(const NotificationRoute& route, std::string_view fallback) {
  if (!route.payment_id.empty()) return route.payment_id;
  if (!route.merchant_request.empty()) return route.merchant_request;
  return std::string(fallback);
}

}  // namespace paynotify
