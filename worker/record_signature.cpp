#include "worker/record_signature.hpp"

#include "common/antom/verifier.hpp"
#include "common/kafka/record_headers.hpp"

namespace paynotify::worker {

namespace {

template <typename HeaderOf>
std::optional<std::string> unsigned_value(std::string_view value, HeaderOf header, const KeyRegistry& keys) {
  const std::string uri = header(header::kRequestUri);
  const std::string client_id = header(header::kClientId);
  const std::string request_time = header(header::kRequestTime);
  const std::string signature = header(header::kSignature);
  if (uri.empty()) return "record signature: no " + std::string(header::kRequestUri) + " header";
  // No freshness check here: a record is read long after Antom sent it (retries, replays);
  // stale_replay judges its age against its receipt instead.
  const Verdict verdict = verify_notification({uri, client_id, request_time, signature, value}, keys);
  if (verdict.ok()) return std::nullopt;
  return "record signature: " + std::string(describe(verdict.error));
}

}  // namespace

std::optional<std::string> unsigned_record(const ConsumedMessage& record, const KeyRegistry& keys) {
  return unsigned_value(record.value, [&](std::string_view name) { return record.header(name); }, keys);
}

std::optional<std::string> unsigned_record(const ConsumedRecord& record, const KeyRegistry& keys) {
  return unsigned_value(
      record.value,
      [&](std::string_view name) {
        const auto it = record.headers.find(std::string(name));
        return it == record.headers.end() ? std::string() : it->second;
      },
      keys);
}

}  // namespace paynotify::worker
