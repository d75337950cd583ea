#include "worker/payment_ledger.hpp"

#include <algorithm>

#include "common/antom/request_time.hpp"
#include "worker/kinds/notification_fields.hpp"

namespace paynotify::worker {
namespace {

namespace json = boost::json;
using fields::money;
using fields::text;

std::string describe(const Money& m) { return std::to_string(m.minor) + " " + m.currency; }

json::object money_json(const Money& m) {
  return {{"currency", m.currency}, {"value", std::to_string(m.minor)}};
}

// Whether the anomaly `kind:payment:cause` was raised: matched piece by piece, as every ledger
// update asks (next_deadline) and building the id each time was most of its allocations.
bool was_raised(const PaymentLedger& l, AnomalyKind kind, std::string_view cause) {
  const std::string_view name = anomaly_kind_name(kind);
  const std::size_t size = name.size() + 1 + l.payment_id.size() + 1 + cause.size();
  return std::any_of(l.raised.begin(), l.raised.end(), [&](std::string_view id) {
    return id.size() == size && id.starts_with(name) && id[name.size()] == ':' &&
           id.substr(name.size() + 1, l.payment_id.size()) == l.payment_id &&
           id[size - cause.size() - 1] == ':' && id.ends_with(cause);
  });
}

// Adds an anomaly unless one with its id was raised before (re-sends, either arrival order).
void raise(LedgerStep& step, AnomalyKind kind, const std::string& cause, std::string detail,
           json::object figures, std::vector<std::string> caused_by) {
  if (was_raised(step.ledger, kind, cause)) return;
  const std::string id =
      std::string(anomaly_kind_name(kind)) + ":" + step.ledger.payment_id + ":" + cause;
  step.ledger.raised.push_back(id);
  step.anomalies.push_back({kind, id, step.ledger.payment_id, std::move(detail), std::move(figures),
                            std::move(caused_by)});
}

std::vector<std::string> capture_events(const PaymentLedger& l) {
  std::vector<std::string> ids;
  for (const auto& c : l.captures) ids.push_back(c.event_id);
  return ids;
}

// The money rules between the authorization and the successful captures, whichever came last.
void check_captures(LedgerStep& step) {
  PaymentLedger& l = step.ledger;
  if (!l.captured()) return;
  if (l.authorization == PaymentLedger::Authorization::failed) {
    for (const auto& c : l.captures) {
      raise(step, AnomalyKind::capture_after_failed_authorization, c.capture_id,
            "capture " + c.capture_id + " of " + describe(c.amount) +
                " succeeded for a payment whose authorization failed",
            {{"captureId", c.capture_id}, {"captureAmount", money_json(c.amount)}},
            {l.authorization_event, c.event_id});
    }
    return;
  }
  if (l.authorization != PaymentLedger::Authorization::authorized || !l.authorized) return;
  for (const auto& c : l.captures) {
    if (c.amount.currency != l.authorized->currency) {
      raise(step, AnomalyKind::capture_amount_mismatch, "currency:" + c.capture_id,
            "capture " + c.capture_id + " is in " + c.amount.currency + ", the authorization in " +
                l.authorized->currency,
            {{"captureId", c.capture_id},
             {"captureAmount", money_json(c.amount)},
             {"authorizedAmount", money_json(*l.authorized)}},
            {l.authorization_event, c.event_id});
    }
    if (l.expires_at_ms > 0 && c.at_ms > l.expires_at_ms) {
      raise(step, AnomalyKind::capture_after_expiry, c.capture_id,
            "capture " + c.capture_id + " is timed after the authorization expired",
            {{"captureId", c.capture_id},
             {"captureTime", iso8601_utc(c.at_ms)},
             {"expiresAt", iso8601_utc(l.expires_at_ms)}},
            {l.authorization_event, c.event_id});
    }
  }
  // Named by the figures, not the arrival order: the same totals give the same id.
  const int64_t total = l.captured_minor();
  if (total != l.authorized->minor) {
    raise(step, AnomalyKind::capture_amount_mismatch,
          std::to_string(total) + "-of-" + std::to_string(l.authorized->minor) + "-" +
              l.authorized->currency,
          "captured " + std::to_string(total) + " " + l.authorized->currency +
              (total > l.authorized->minor ? ", more than" : ", not") + " the authorized " +
              describe(*l.authorized),
          {{"capturedTotal", money_json({l.authorized->currency, total})},
           {"authorizedAmount", money_json(*l.authorized)},
           {"captures", static_cast<int64_t>(l.captures.size())}},
          [&] {
            auto ids = capture_events(l);
            ids.insert(ids.begin(), l.authorization_event);
            return ids;
          }());
  }
}

void forget(std::vector<std::string>& ids, const std::string& id) { std::erase(ids, id); }

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// INQUIRY_DISAGREES about `what` (the authorization, or a capture by its id).
void disagree(LedgerStep& step, const std::string& what, bool antom_says_succeeded,
              std::vector<std::string> caused_by) {
  const char* antom = antom_says_succeeded ? "succeeded" : "failed";
  const char* notified = antom_says_succeeded ? "failed" : "succeeded";
  raise(step, AnomalyKind::inquiry_disagrees, what,
        "Antom's inquiry answer says the " + what + " " + antom + "; its notification said it " +
            notified,
        {{"subject", what},
         {"inquiry", antom_says_succeeded ? "SUCCESS" : "FAIL"},
         {"applied", antom_says_succeeded ? "FAIL" : "SUCCESS"}},
        std::move(caused_by));
}

// Judged against the merchant, or accepted: counted once per dispute, raised once (its id).
void lose_dispute(LedgerStep& step, const LedgerFacts& event, std::string detail,
                  json::object figures) {
  auto& lost = step.ledger.disputes_lost;
  if (std::find(lost.begin(), lost.end(), event.dispute_id) == lost.end()) {
    lost.push_back(event.dispute_id);
  }
  raise(step, AnomalyKind::dispute_lost, event.dispute_id, std::move(detail), std::move(figures),
        {event.event_id});
}

}  // namespace

std::string_view anomaly_kind_name(AnomalyKind k) {
  switch (k) {
    case AnomalyKind::capture_amount_mismatch: return "CAPTURE_AMOUNT_MISMATCH";
    case AnomalyKind::capture_after_failed_authorization:
      return "CAPTURE_AFTER_FAILED_AUTHORIZATION";
    case AnomalyKind::capture_after_expiry: return "CAPTURE_AFTER_EXPIRY";
    case AnomalyKind::authorization_expiring_uncaptured: return "AUTHORIZATION_EXPIRING_UNCAPTURED";
    case AnomalyKind::authorization_expired_uncaptured: return "AUTHORIZATION_EXPIRED_UNCAPTURED";
    case AnomalyKind::dispute_opened: return "DISPUTE_OPENED";
    case AnomalyKind::dispute_lost: return "DISPUTE_LOST";
    case AnomalyKind::inquiry_disagrees: return "INQUIRY_DISAGREES";
  }
  return "UNKNOWN";
}

json::object anomaly_json(const Anomaly& a) {
  json::array caused_by;
  for (const auto& e : a.caused_by) caused_by.emplace_back(e);
  return {{"anomalyId", a.id},         {"kind", anomaly_kind_name(a.kind)},
          {"paymentId", a.payment_id}, {"detail", a.detail},
          {"figures", a.figures},      {"causedBy", std::move(caused_by)}};
}

int64_t PaymentLedger::captured_minor() const {
  int64_t total = 0;
  for (const auto& c : captures) {
    if (!authorized || c.amount.currency == authorized->currency) total += c.amount.minor;
  }
  return total;
}

LedgerStep apply_event(PaymentLedger ledger, const LedgerFacts& event, int64_t received_at_ms) {
  LedgerStep step{std::move(ledger), {}};
  PaymentLedger& l = step.ledger;
  if (l.payment_id.empty()) l.payment_id = event.payment_id;
  switch (event.effect) {
    case LedgerEffect::authorize: {
      if (l.authorization == PaymentLedger::Authorization::authorized) break;
      l.authorization = PaymentLedger::Authorization::authorized;
      l.authorization_event = event.event_id;
      l.authorized = event.amount;
      l.authorized_at_ms = event.occurred_at_ms;
      if (l.authorized_at_ms == 0) l.authorized_at_ms = received_at_ms;
      l.expires_at_ms = event.auth_expiry_ms;
      if (l.expires_at_ms == 0 && l.authorized_at_ms > 0)
        l.expires_at_ms = l.authorized_at_ms + kAuthorizationLifetimeMs;
      check_captures(step);
      break;
    }
    case LedgerEffect::fail_authorization:
      if (l.authorization != PaymentLedger::Authorization::unknown) break;
      l.authorization = PaymentLedger::Authorization::failed;
      l.authorization_event = event.event_id;
      check_captures(step);
      break;
    case LedgerEffect::capture: {
      const bool seen = std::any_of(l.captures.begin(), l.captures.end(), [&](const Capture& c) {
        return c.capture_id == event.capture_id;
      });
      if (seen || !event.amount) break;
      l.captures.push_back({event.capture_id, event.event_id, *event.amount, event.occurred_at_ms});
      check_captures(step);
      break;
    }
    case LedgerEffect::fail_capture:
      ++l.failed_captures;
      if (!contains(l.failed_capture_ids, event.capture_id))
        l.failed_capture_ids.push_back(event.capture_id);
      break;
    case LedgerEffect::update_authorized_amount:
      if (event.amount) l.authorized = event.amount;
      check_captures(step);
      break;
    case LedgerEffect::open_dispute: {
      const std::string& dispute = event.dispute_id;
      if (std::find(l.disputes_open.begin(), l.disputes_open.end(), dispute) ==
          l.disputes_open.end()) {
        l.disputes_open.push_back(dispute);
      }
      json::object figures{{"disputeId", dispute}};
      if (event.amount) figures["disputeAmount"] = money_json(*event.amount);
      raise(step, AnomalyKind::dispute_opened, dispute,
            "a chargeback was opened (" + event.dispute_reason + ")", std::move(figures),
            {event.event_id});
      break;
    }
    case LedgerEffect::judge_dispute:
      forget(l.disputes_open, event.dispute_id);
      // ACCEPT_BY_MERCHANT: the merchant is held responsible and the amount leaves its account.
      if (event.dispute_judged_result == "ACCEPT_BY_MERCHANT") {
        json::object figures{{"disputeId", event.dispute_id},
                             {"disputeJudgedResult", "ACCEPT_BY_MERCHANT"}};
        if (event.dispute_judged_amount)
          figures["disputeJudgedAmount"] = money_json(*event.dispute_judged_amount);
        lose_dispute(step, event, "the chargeback was judged against the merchant",
                     std::move(figures));
      }
      break;
    case LedgerEffect::lose_dispute: {
      forget(l.disputes_open, event.dispute_id);
      json::object figures{{"disputeId", event.dispute_id},
                           {"disputeAcceptReason", event.dispute_reason}};
      if (event.amount) figures["disputeAmount"] = money_json(*event.amount);
      lose_dispute(step, event, "the chargeback was accepted (" + event.dispute_reason + ")",
                   std::move(figures));
      break;
    }
    case LedgerEffect::cancel_dispute: forget(l.disputes_open, event.dispute_id); break;
    case LedgerEffect::none: break;
  }
  return step;
}

LedgerStep check_deadline(PaymentLedger ledger, int64_t now_ms, int64_t warning_before_ms) {
  LedgerStep step{std::move(ledger), {}};
  const PaymentLedger& l = step.ledger;
  if (l.authorization != PaymentLedger::Authorization::authorized || l.captured() ||
      l.expires_at_ms == 0)
    return step;
  const std::string expiry = std::to_string(l.expires_at_ms);
  const json::object figures{
      {"expiresAt", iso8601_utc(l.expires_at_ms)},
      {"authorizedAmount", l.authorized ? json::value(money_json(*l.authorized)) : json::value()}};
  if (now_ms >= l.expires_at_ms) {
    raise(step, AnomalyKind::authorization_expired_uncaptured, expiry,
          "the authorization expired with nothing captured: Antom releases the funds", figures,
          {l.authorization_event});
  } else if (l.expires_at_ms - now_ms <= warning_before_ms) {
    raise(step, AnomalyKind::authorization_expiring_uncaptured, expiry,
          "the authorization expires in " + std::to_string((l.expires_at_ms - now_ms) / 60000) +
              " min with nothing captured",
          figures, {l.authorization_event});
  }
  return step;
}

std::optional<int64_t> next_deadline(const PaymentLedger& l, int64_t warning_before_ms) {
  if (l.authorization != PaymentLedger::Authorization::authorized || l.captured() ||
      l.expires_at_ms == 0) {
    return std::nullopt;
  }
  const std::string expiry = std::to_string(l.expires_at_ms);  // short: no allocation
  const auto raised = [&](AnomalyKind k) { return was_raised(l, k, expiry); };
  if (!raised(AnomalyKind::authorization_expiring_uncaptured) &&
      !raised(AnomalyKind::authorization_expired_uncaptured)) {
    return l.expires_at_ms - warning_before_ms;
  }
  if (!raised(AnomalyKind::authorization_expired_uncaptured)) return l.expires_at_ms;
  return std::nullopt;
}

std::optional<int64_t> next_inquiry(const PaymentLedger& l, int64_t reconcile_after_ms,
                                    int64_t warning_before_ms) {
  if (reconcile_after_ms <= 0 || l.authorization != PaymentLedger::Authorization::authorized ||
      l.captured() || l.authorized_at_ms == 0) {
    return std::nullopt;
  }
  const int64_t first = l.authorized_at_ms + reconcile_after_ms;
  const int64_t before_warning = l.expires_at_ms - warning_before_ms - reconcile_after_ms;
  std::optional<int64_t> next;
  if (l.inquired_at_ms < first) {
    next = first;
  } else if (l.expires_at_ms > 0 && before_warning > first && l.inquired_at_ms < before_warning) {
    next = before_warning;
  }
  if (next && l.inquiry_retry_at_ms > *next) next = l.inquiry_retry_at_ms;
  if (next && l.expires_at_ms > 0 && l.inquiry_failures > 0 && *next >= l.expires_at_ms)
    return std::nullopt;  // an answer would come too late to matter
  return next;
}

void note_unanswered_inquiry(PaymentLedger& l, int64_t now_ms) {
  l.inquiry_failures = std::min(l.inquiry_failures + 1, 30);
  int64_t wait = kInquiryRetryAfterMs;
  for (int i = 1; i < l.inquiry_failures && wait < kInquiryRetryMaxMs; ++i) wait *= 2;
  l.inquiry_retry_at_ms = now_ms + std::min(wait, kInquiryRetryMaxMs);
}

LedgerStep check_inquiry(PaymentLedger ledger, const std::vector<LedgerFacts>& answered,
                         int64_t now_ms) {
  LedgerStep step{std::move(ledger), {}};
  PaymentLedger& l = step.ledger;
  l.inquired_at_ms = now_ms;
  l.inquiry_retry_at_ms = 0;
  l.inquiry_failures = 0;
  using Authorization = PaymentLedger::Authorization;
  for (const auto& f : answered) {
    switch (f.effect) {
      case LedgerEffect::authorize:
        if (l.authorization == Authorization::failed)
          disagree(step, "authorization", true, {l.authorization_event, f.event_id});
        break;
      case LedgerEffect::fail_authorization:
        if (l.authorization == Authorization::authorized)
          disagree(step, "authorization", false, {l.authorization_event, f.event_id});
        break;
      case LedgerEffect::capture:
        if (contains(l.failed_capture_ids, f.capture_id))
          disagree(step, "capture " + f.capture_id, true, {f.event_id});
        break;
      case LedgerEffect::fail_capture:
        for (const auto& c : l.captures) {
          if (c.capture_id == f.capture_id)
            disagree(step, "capture " + f.capture_id, false, {c.event_id, f.event_id});
        }
        break;
      case LedgerEffect::none:
      case LedgerEffect::update_authorized_amount:
      case LedgerEffect::open_dispute:
      case LedgerEffect::judge_dispute:
      case LedgerEffect::cancel_dispute:
      case LedgerEffect::lose_dispute: break;  // an inquiry answers about none of these
    }
  }
  return step;
}

std::optional<int64_t> uncaptured_expiry(const PaymentLedger& l) {
  if (l.authorization != PaymentLedger::Authorization::authorized || l.captured() ||
      l.expires_at_ms == 0) {
    return std::nullopt;
  }
  return l.expires_at_ms;
}

json::object ledger_json(const PaymentLedger& l, json::storage_ptr memory) {
  const auto strings = [&memory](const std::vector<std::string>& v) {
    json::array a(memory);
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  json::array captures(memory);
  for (const auto& c : l.captures) {
    captures.emplace_back(json::object({{"captureId", c.capture_id},
                                        {"eventId", c.event_id},
                                        {"amount", money_json(c.amount)},
                                        {"atMs", c.at_ms}},
                                       memory));
  }
  static constexpr const char* kAuthorization[] = {"UNKNOWN", "AUTHORIZED", "FAILED"};
  return json::object(
      {{"version", 1},
       {"paymentId", l.payment_id},
       {"authorization", kAuthorization[static_cast<int>(l.authorization)]},
       {"authorizationEvent", l.authorization_event},
       {"authorizedAmount", l.authorized ? json::value(money_json(*l.authorized)) : json::value()},
       {"authorizedAtMs", l.authorized_at_ms},
       {"expiresAtMs", l.expires_at_ms},
       {"captures", std::move(captures)},
       {"failedCaptures", l.failed_captures},
       {"failedCaptureIds", strings(l.failed_capture_ids)},
       {"disputesOpen", strings(l.disputes_open)},
       {"disputesLost", strings(l.disputes_lost)},
       {"raised", strings(l.raised)},
       {"inquiredAtMs", l.inquired_at_ms},
       {"inquiryRetryAtMs", l.inquiry_retry_at_ms},
       {"inquiryFailures", l.inquiry_failures}},
      memory);
}

std::optional<PaymentLedger> ledger_from_json(const json::value& doc) {
  const auto* o = doc.if_object();
  if (o == nullptr || !o->contains("version") || o->at("version") != json::value(1))
    return std::nullopt;
  try {
    PaymentLedger l;
    l.payment_id = text(*o, "paymentId");
    const std::string authorization = text(*o, "authorization");
    l.authorization = authorization == "AUTHORIZED" ? PaymentLedger::Authorization::authorized
                      : authorization == "FAILED"   ? PaymentLedger::Authorization::failed
                                                    : PaymentLedger::Authorization::unknown;
    l.authorization_event = text(*o, "authorizationEvent");
    l.authorized = money(*o, "authorizedAmount");
    l.authorized_at_ms = o->at("authorizedAtMs").to_number<int64_t>();
    l.expires_at_ms = o->at("expiresAtMs").to_number<int64_t>();
    for (const auto& c : o->at("captures").as_array()) {
      const auto& co = c.as_object();
      const auto amount = money(co, "amount");
      if (!amount) return std::nullopt;
      l.captures.push_back({text(co, "captureId"), text(co, "eventId"), *amount,
                            co.at("atMs").to_number<int64_t>()});
    }
    l.failed_captures = o->at("failedCaptures").to_number<int>();
    const auto strings = [&](std::string_view name, std::vector<std::string>& out) {
      for (const auto& s : o->at(name).as_array()) out.emplace_back(s.as_string());
    };
    strings("disputesOpen", l.disputes_open);
    strings("disputesLost", l.disputes_lost);
    strings("raised", l.raised);
    // Added since version 1 was first written: absent from older ledgers.
    if (o->contains("failedCaptureIds")) strings("failedCaptureIds", l.failed_capture_ids);
    if (const auto* v = o->if_contains("inquiredAtMs")) l.inquired_at_ms = v->to_number<int64_t>();
    if (const auto* v = o->if_contains("inquiryRetryAtMs"))
      l.inquiry_retry_at_ms = v->to_number<int64_t>();
    if (const auto* v = o->if_contains("inquiryFailures")) l.inquiry_failures = v->to_number<int>();
    return l;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace paynotify::worker
