#include "worker/record_intake.hpp"

#include <boost/json/serializer.hpp>

#include <algorithm>

#include "common/antom/encoding.hpp"
#include "common/kafka/record_headers.hpp"
#include "common/service/ids.hpp"
#include "worker/json_scratch.hpp"
#include "worker/payment_event.hpp"

namespace paynotify::worker {
namespace {

// The kind counted for a record whose signature does not verify: its body is not read.
constexpr std::string_view kUnsignedKind = "UNSIGNED";

int64_t header_int(const ConsumedMessage& m, std::string_view name, int64_t fallback) {
  return parse_int64(m.header(name)).value_or(fallback);
}

RecordOrigin origin_of(const ConsumedMessage& m, bool from_retry_topic) {
  RecordOrigin o;
  if (!from_retry_topic) return o;
  o.source = Source::retry_topic;
  o.attempt = static_cast<int>(std::clamp<int64_t>(header_int(m, header::kAttempt, 2), 1, 1000000));
  o.not_before_ms = header_int(m, header::kNotBefore, 0);
  o.failing_since_ms = header_int(m, header::kFailingSince, 0);
  return o;
}

// The order request's body, in a string sized for it once: it is the notification and a few
// fields around it.
std::string order_request_body(const boost::json::object& request, std::size_t notification_size) {
  boost::json::serializer serializer;
  serializer.reset(&request);
  std::string out;
  out.reserve(notification_size + 1024);
  char buffer[4096];
  while (!serializer.done()) out.append(serializer.read(buffer));
  return out;
}

}  // namespace

RecordIntake take_in(const ConsumedMessage& m, bool from_retry_topic,
                     const std::optional<std::string>& unsigned_reason,
                     const IntakeSettings& settings, int64_t now_ms) {
  RecordIntake in;
  in.origin = origin_of(m, from_retry_topic);
  if (unsigned_reason) {
    in.kind = std::string(kUnsignedKind);
    in.derived = Derived{false, ErrorClass::unsigned_record, *unsigned_reason};
    return in;
  }
  in.received_at_ms = header_int(m, header::kReceivedAt, 0);
  // The notification's JSON and the order request built from it live only in this call.
  JsonScratch<16384> scratch;
  EventDerivation derived = derive_event(m.value, in.received_at_ms, &scratch.memory);
  in.kind = std::move(derived.kind);
  if (!derived.event) {
    const ErrorClass why = derived.why_not == NoEvent::unsupported_kind
                               ? ErrorClass::unsupported_kind
                               : ErrorClass::invalid_record;
    in.derived = Derived{false, why, std::move(derived.error)};
    return in;
  }
  PaymentEvent& event = *derived.event;
  in.key = EventKey{std::move(event.order_key), event.event_id};
  const int64_t received = in.received_at_ms > 0 ? in.received_at_ms : now_ms;
  if (auto stale =
          stale_replay(m.header(header::kRequestTime), received, settings.stale_after_ms)) {
    in.derived = Derived{false, ErrorClass::stale, std::move(*stale)};
    return in;
  }
  std::string traceparent(m.header(header::kTraceparent));
  if (!is_valid_traceparent(traceparent)) traceparent = new_traceparent();
  in.call = std::make_shared<const OrderCall>(
      OrderCall{event.event_id, std::move(traceparent),
                order_request_body(event.order_request, m.value.size())});
  // The ledger is the payment's, stored under the claim's hash tag: an event without a
  // paymentId (a refund may carry none) has no ledger to follow.
  if (settings.ledger && changes_ledger(event.ledger) && !event.payment_id.empty() &&
      event.payment_id == in.key.order_key) {
    in.ledger_facts = std::move(event.ledger);
  }
  in.derived = Derived{true, ErrorClass::none, {}, in.ledger_facts.has_value()};
  return in;
}

}  // namespace paynotify::worker
