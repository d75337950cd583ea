#include "worker/payment_event.hpp"

#include <boost/json.hpp>

#include <ctime>

#include "common/notification.hpp"

namespace paynotify::worker {
namespace json = boost::json;
namespace {

std::string str(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string result_status(const json::object& o) {
  const auto* r = o.if_contains("result");
  return r && r->is_object() ? str(r->as_object(), "resultStatus") : std::string();
}

json::value string_or_null(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

}  // namespace

std::string_view event_type_name(EventType t) {
  switch (t) {
    case EventType::payment_authorized: return "PAYMENT_AUTHORIZED";
    case EventType::payment_failed: return "PAYMENT_FAILED";
    case EventType::payment_pending: return "PAYMENT_PENDING";
    case EventType::capture_succeeded: return "CAPTURE_SUCCEEDED";
    case EventType::capture_failed: return "CAPTURE_FAILED";
    case EventType::refund_succeeded: return "REFUND_SUCCEEDED";
    case EventType::refund_failed: return "REFUND_FAILED";
  }
  return "UNKNOWN";
}

std::string iso8601_utc(int64_t epoch_ms) {
  const std::time_t t = epoch_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(epoch_ms % 1000));
  return out;
}

EventDerivation derive_event(std::string_view body, int64_t received_at_ms) {
  EventDerivation out;
  json::error_code ec;
  json::parse_options options;
  options.max_depth = 32;
  json::value doc = json::parse(body, ec, {}, options);
  if (ec || !doc.is_object()) {
    out.error = "record value is not a JSON object";
    return out;
  }
  const json::object& n = doc.as_object();
  // The ingest checked this before publishing; a record from elsewhere gets the same checks.
  const NotificationCheck check = check_notification(n);
  if (!check.ok) {
    out.error = check.error;
    return out;
  }
  PaymentEvent e;
  e.payment_id = check.summary.payment_id;
  e.order_key = partition_key(check.summary, "");
  std::string occurred_at;
  json::object request;
  switch (check.summary.type) {
    case NotifyType::payment_result: {
      const std::string status = result_status(n);
      e.type = status == "S" ? EventType::payment_authorized
               : status == "F" ? EventType::payment_failed
                               : EventType::payment_pending;
      e.event_id = "PAYMENT_RESULT:" + e.payment_id + ":" + status;
      request["amount"] = n.at("paymentAmount");
      occurred_at = str(n, "paymentTime");
      break;
    }
    case NotifyType::payment_pending:
      e.type = EventType::payment_pending;
      e.event_id = "PAYMENT_PENDING:" + e.payment_id;
      if (const auto* a = n.if_contains("paymentAmount")) request["amount"] = *a;
      break;
    case NotifyType::capture_result: {
      const std::string status = result_status(n);
      if (status != "S" && status != "F") {
        out.error = "CAPTURE_RESULT with resultStatus " + status + " is not final";
        return out;
      }
      e.type = status == "S" ? EventType::capture_succeeded : EventType::capture_failed;
      e.event_id = "CAPTURE_RESULT:" + e.payment_id + ":" + str(n, "captureId") + ":" + status;
      request["captureId"] = str(n, "captureId");
      request["captureRequestId"] = str(n, "captureRequestId");
      request["amount"] = n.at("captureAmount");
      occurred_at = str(n, "captureTime");
      break;
    }
    case NotifyType::refund_result: {
      const std::string status = str(n, "refundStatus");
      if (status != "SUCCESS" && status != "FAIL") {
        out.error = "REFUND_RESULT with refundStatus " + status + " is not final";
        return out;
      }
      e.type = status == "SUCCESS" ? EventType::refund_succeeded : EventType::refund_failed;
      e.event_id = "REFUND_RESULT:" + str(n, "refundRequestId") + ":" + str(n, "refundId") + ":" + status;
      request["refundId"] = str(n, "refundId");
      request["refundRequestId"] = str(n, "refundRequestId");
      request["amount"] = n.at("refundAmount");
      occurred_at = str(n, "refundTime");
      break;
    }
    case NotifyType::unknown:
      out.error = "unknown notifyType " + check.summary.notify_type;
      return out;
  }
  request["eventId"] = e.event_id;
  request["type"] = event_type_name(e.type);
  request["paymentId"] = string_or_null(e.payment_id);
  request["paymentRequestId"] = string_or_null(str(n, "paymentRequestId"));
  if (const auto* r = n.if_contains("result"); r && r->is_object()) {
    request["resultCode"] = string_or_null(str(r->as_object(), "resultCode"));
    request["resultMessage"] = string_or_null(str(r->as_object(), "resultMessage"));
  } else {
    request["resultCode"] = nullptr;
    request["resultMessage"] = nullptr;
  }
  request["occurredAt"] = string_or_null(occurred_at);
  request["receivedAt"] = iso8601_utc(received_at_ms);
  request["notification"] = std::move(doc);
  e.order_request = std::move(request);
  out.event = std::move(e);
  return out;
}

}  // namespace paynotify::worker
