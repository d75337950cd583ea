#include "worker/record_signature.hpp"

#include "common/antom/inquiry.hpp"
#include "common/antom/verifier.hpp"
#include "common/kafka/record_headers.hpp"

namespace paynotify::worker {

namespace {

// Both record types carry the same headers and value; only how they are read differs.
template <typename Record>
std::optional<std::string> unsigned_value(const Record& record, const KeyRegistry& keys) {
  const std::string_view uri = record.header(header::kRequestUri);
  const std::string_view client_id = record.header(header::kClientId);
  const std::string_view request_time = record.header(header::kRequestTime);
  const std::string_view signature = record.header(header::kSignature);
  if (uri.empty()) return "record signature: no " + std::string(header::kRequestUri) + " header";
  // A recovered record: what Antom signed is its inquiry answer, and the value must be one of
  // the notifications that answer stands for. Antom signs its answers as it signs notifications.
  const std::string_view answer = record.header(header::kInquiryAnswer);
  const bool recovered = !answer.empty();
  // An inquiry's signed answer passed off as a notification of its own.
  if (!recovered && inquiry_api_of(uri))
    return "record signature: an inquiry's path without the inquiry's answer";
  // No freshness check here: a record is read long after Antom sent it (retries, replays);
  // stale_replay judges its age against its receipt instead.
  const Verdict verdict = verify_notification(
      {uri, client_id, request_time, signature, recovered ? answer : record.value}, keys);
  if (!verdict.ok()) return "record signature: " + std::string(describe(verdict.error));
  if (recovered && !follows_from_inquiry(uri, answer, record.value))
    return "record signature: the value is not a notification Antom's signed inquiry answer "
           "stands for";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> unsigned_record(const ConsumedMessage& record, const KeyRegistry& keys) {
  return unsigned_value(record, keys);
}

std::optional<std::string> unsigned_record(const ConsumedRecord& record, const KeyRegistry& keys) {
  return unsigned_value(record, keys);
}

}  // namespace paynotify::worker
