#include "ingest/notification_intake.hpp"

#include <algorithm>
#include <cctype>

#include "common/antom/antom_reply.hpp"
#include "common/antom/encoding.hpp"
#include "common/antom/notification.hpp"
#include "common/antom/verifier.hpp"
#include "common/kafka/record_headers.hpp"
#include "common/service/ids.hpp"

namespace paynotify::ingest {
namespace {

bool is_json_content_type(std::string_view ct) {
  return iequals_ascii(trim_blanks(ct.substr(0, ct.find(';'))), "application/json");
}

bool is_known_coding(std::string_view coding) {
  for (const std::string_view known :
       {"chunked", "gzip", "x-gzip", "deflate", "compress", "identity"}) {
    if (iequals_ascii(coding, known)) return true;
  }
  return false;
}

}  // namespace

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::acknowledged: return "acknowledged";
    case Outcome::not_durable: return "not_durable";
    case Outcome::unverified: return "unverified";
    case Outcome::malformed: return "malformed";
    case Outcome::too_large: return "too_large";
    case Outcome::not_found: return "not_found";
    case Outcome::method_not_allowed: return "method_not_allowed";
    case Outcome::unsupported_media_type: return "unsupported_media_type";
    case Outcome::unknown_transfer_coding: return "unknown_transfer_coding";
  }
  return "unknown";
}

unsigned status_of(Outcome o) {
  switch (o) {
    case Outcome::acknowledged: return 200;
    case Outcome::not_durable: return 503;
    case Outcome::unverified: return 401;
    case Outcome::malformed: return 400;
    case Outcome::too_large: return 413;
    case Outcome::not_found: return 404;
    case Outcome::method_not_allowed: return 405;
    case Outcome::unsupported_media_type: return 415;
    case Outcome::unknown_transfer_coding: return 501;
  }
  return 500;
}

IntakeAnswer NotificationIntake::answer_for(Outcome outcome, std::string reason) {
  IntakeAnswer a;
  a.outcome = outcome;
  a.status = status_of(outcome);
  switch (outcome) {
    case Outcome::acknowledged: a.body = std::string(kAntomSuccessBody); break;
    case Outcome::not_durable:
      a.body = antom_failure_body("NOT_DURABLE_YET", "not stored yet; retry later");
      break;
    case Outcome::unverified: a.body = antom_failure_body("INVALID_SIGNATURE", reason); break;
    case Outcome::malformed: a.body = antom_failure_body("PARAM_ILLEGAL", reason); break;
    case Outcome::too_large: a.body = antom_failure_body("BODY_TOO_LARGE", reason); break;
    case Outcome::not_found:
      a.body = antom_failure_body("NOT_FOUND", "no notification endpoint at this path");
      break;
    case Outcome::method_not_allowed:
      a.body = antom_failure_body("METHOD_NOT_ALLOWED", "notifications are POSTed");
      break;
    case Outcome::unsupported_media_type:
      a.body =
          antom_failure_body("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
      break;
    case Outcome::unknown_transfer_coding:
      a.body = antom_failure_body("NOT_IMPLEMENTED", reason);
      break;
  }
  a.reason = std::move(reason);
  return a;
}

IntakeAnswer NotificationIntake::answer_for_delivery(const DeliveryResult& delivery) {
  if (delivery) return answer_for(Outcome::acknowledged, "");
  return answer_for(Outcome::not_durable, describe(delivery.error()));
}

std::optional<IntakeAnswer> NotificationIntake::check_head(
    std::string_view method, std::string_view target, std::string_view content_type,
    std::string_view transfer_encoding) const {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != settings_.path)
    return answer_for(Outcome::not_found, "path " + std::string(path.substr(0, 200)));
  if (method != "POST")
    return answer_for(Outcome::method_not_allowed, "method " + std::string(method.substr(0, 16)));
  if (!is_json_content_type(content_type)) {
    return answer_for(Outcome::unsupported_media_type, "content type is not application/json");
  }
  if (!transfer_encoding.empty()) {
    bool unknown = false;
    std::size_t codings = 0;
    for (std::string_view rest = transfer_encoding; !rest.empty();) {
      const auto comma = rest.find(',');
      const std::string_view coding = trim_blanks(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      ++codings;
      if (!is_known_coding(coding)) unknown = true;
    }
    if (unknown) {
      return answer_for(Outcome::unknown_transfer_coding,
                        "Transfer-Encoding " + std::string(transfer_encoding.substr(0, 64)) +
                            " is not implemented");
    }
    if (codings != 1 || !iequals_ascii(trim_blanks(transfer_encoding), "chunked")) {
      return answer_for(Outcome::malformed, "Transfer-Encoding must be exactly chunked, got " +
                                                std::string(transfer_encoding.substr(0, 64)));
    }
  }
  return std::nullopt;
}

RecordView IntakeRecord::view(Headers& headers) const {
  headers = {{{header::kClientId, client_id},
              {header::kRequestTime, request_time},
              {header::kSignature, signature},
              {header::kRequestUri, request_uri},
              {header::kNotifyType, notify_type},
              {header::kReceivedAt, received_at},
              {header::kIngestId, ingest_id},
              {header::kTraceparent, traceparent}}};
  return {topic, key, value, headers};
}

IntakeDecision NotificationIntake::decide(const IntakeRequest& r, int64_t now_ms) const {
  IntakeDecision d;
  if (auto answer = check_head(r.method, r.target, r.content_type, {})) {
    d.answer = std::move(answer);
    return d;
  }

  // Promise 2: the signature is checked before anything parses the body.
  std::string signed_uri;
  signed_uri.reserve(settings_.signed_path_prefix.size() + r.target.size());
  signed_uri.append(settings_.signed_path_prefix).append(r.target);
  const SignedRequest signed_request{signed_uri, r.client_id, r.request_time, r.signature, r.body};
  const Verdict verdict =
      verify_notification(signed_request, keys_, {settings_.max_clock_skew_ms, now_ms});
  if (!verdict.ok()) {
    d.answer = answer_for(Outcome::unverified, std::string(describe(verdict.error)));
    return d;
  }

  // Verified: Antom's word. The body is read only to route it, never to refuse it.
  NotificationRoute route = route_notification(r.body);
  IntakeRecord& record = d.record.emplace();
  record.ingest_id = new_ingest_id();
  record.topic = settings_.topic;
  record.key = partition_key(route, record.ingest_id);
  record.value = r.body;
  record.client_id = r.client_id;
  record.request_time = r.request_time;
  record.signature = r.signature;
  record.request_uri = std::move(signed_uri);
  record.notify_type = std::move(route.kind);
  record.received_at = std::to_string(now_ms);
  record.traceparent =
      is_valid_traceparent(r.traceparent) ? std::string(r.traceparent) : new_traceparent();
  d.payment_id = std::move(route.payment_id);
  return d;
}

}  // namespace paynotify::ingest
