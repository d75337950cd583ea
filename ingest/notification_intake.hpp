#pragma once
// The ingest decision, free of sockets and Kafka: "request + keys -> answer now, or publish
// this record and answer after its delivery report". The HTTP server only reads, calls, writes.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/antom/key_registry.hpp"
#include "common/kafka/publisher.hpp"

namespace paynotify::ingest {

struct IntakeSettings {
  std::string path = "/notifications/antom";  // as configured in Antom's Dashboard
  std::string signed_path_prefix;             // prepended to the target before verifying
  std::string topic = "antom.notifications";
  int64_t max_clock_skew_ms = 0;
};

struct IntakeRequest {
  std::string_view method;
  std::string_view target;  // path and query as received
  std::string_view content_type;
  std::string_view client_id;
  std::string_view request_time;
  std::string_view signature;
  std::string_view traceparent;
  std::string_view body;
};

// Outcome labels, used in metrics and logs; one per kind of answer.
enum class Outcome {
  acknowledged,
  not_durable,
  unverified,
  malformed,
  too_large,
  not_found,
  method_not_allowed,
  unsupported_media_type,
  unknown_transfer_coding,
};
inline constexpr Outcome kAllOutcomes[] = {Outcome::acknowledged,
                                           Outcome::not_durable,
                                           Outcome::unverified,
                                           Outcome::malformed,
                                           Outcome::too_large,
                                           Outcome::not_found,
                                           Outcome::method_not_allowed,
                                           Outcome::unsupported_media_type,
                                           Outcome::unknown_transfer_coding};
std::string_view outcome_name(Outcome o);
unsigned status_of(Outcome o);

struct IntakeAnswer {
  Outcome outcome{};
  unsigned status = 500;
  std::string body;    // Antom's result shape
  std::string reason;  // for the log line; never a key, signature or body
};

// The record published for a verified notification (DESIGN.md, "The Kafka record"): views of
// the request it came in beside what the ingest adds, so nothing of the request is copied
// before librdkafka copies it. It lasts no longer than the request.
struct IntakeRecord {
  std::string_view topic;
  std::string key;
  std::string_view value;                               // the body, as received
  std::string_view client_id, request_time, signature;  // the request's headers
  std::string request_uri;                              // as signed
  std::string notify_type;
  std::string received_at;
  std::string ingest_id;
  std::string traceparent;  // the request's when valid, else a new one

  using Headers = std::array<RecordHeaderView, 8>;
  // Views of this. Call it where the record stays until published: moving the record after
  // would leave the views of its short strings (kept inside the strings) pointing at nothing.
  RecordView view(Headers& headers) const;
};

struct IntakeDecision {
  std::optional<IntakeAnswer> answer;  // answer at once, or ...
  std::optional<IntakeRecord> record;  // ... publish this and answer from the delivery report
  std::string payment_id;
};

class NotificationIntake {
 public:
  NotificationIntake(IntakeSettings settings, const KeyRegistry& keys)
      : settings_(std::move(settings)), keys_(keys) {}

  IntakeDecision decide(const IntakeRequest& request, int64_t now_ms) const;

  // What can be judged from the head alone, before any body byte is read: path, method,
  // content type and Transfer-Encoding (exactly `chunked` or none: anything else is how
  // requests are smuggled past a proxy that reads it differently). An answer means: send it
  // and close the connection.
  std::optional<IntakeAnswer> check_head(std::string_view method, std::string_view target,
                                         std::string_view content_type,
                                         std::string_view transfer_encoding) const;

  static IntakeAnswer answer_for(Outcome outcome, std::string reason);
  static IntakeAnswer answer_for_delivery(const DeliveryResult& delivery);

  const IntakeSettings& settings() const { return settings_; }

 private:
  IntakeSettings settings_;
  const KeyRegistry& keys_;
};

}  // namespace paynotify::ingest
