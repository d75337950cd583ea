#pragma once
// Every Kafka record header paynotify writes or reads, named once (DESIGN.md "The Kafka record").

#include <string_view>

namespace paynotify::header {

// Written by the ingest on every record.
inline constexpr std::string_view kClientId = "antom-client-id";
inline constexpr std::string_view kRequestTime = "antom-request-time";
inline constexpr std::string_view kSignature = "antom-signature";
inline constexpr std::string_view kRequestUri = "antom-request-uri";
inline constexpr std::string_view kNotifyType = "notify-type";
inline constexpr std::string_view kReceivedAt = "received-at";  // epoch ms
inline constexpr std::string_view kIngestId = "ingest-id";
inline constexpr std::string_view kTraceparent = "traceparent";

// Written by reconciliation (`paynotify reconcile`, the worker's reconciler) instead of a received
// notification's evidence: Antom's signed inquiry answer, whole. The antom-* headers above then
// hold the answer's client-id, response-time and signature, and antom-request-uri the inquiry's
// path; the value is one of the notifications the answer stands for (common/antom/inquiry.hpp).
inline constexpr std::string_view kInquiryAnswer = "antom-inquiry-answer";

// Added by the worker on the retry and dead-letter topics.
inline constexpr std::string_view kAttempt = "attempt";             // the round this record starts
inline constexpr std::string_view kNotBefore = "not-before";        // epoch ms
inline constexpr std::string_view kFailingSince = "failing-since";  // epoch ms of the first failure
inline constexpr std::string_view kErrorClass = "error-class";
inline constexpr std::string_view kError = "error";
inline constexpr std::string_view kOriginalTopic = "original-topic";
inline constexpr std::string_view kOriginalPartition = "original-partition";
inline constexpr std::string_view kOriginalOffset = "original-offset";

// Headers that describe one pass through the worker: replaced on each hand-over, dropped by replay.
constexpr bool is_retry_control(std::string_view name) {
  return name == kAttempt || name == kNotBefore || name == kFailingSince || name == kErrorClass ||
         name == kError;
}

constexpr bool is_origin(std::string_view name) {
  return name == kOriginalTopic || name == kOriginalPartition || name == kOriginalOffset;
}

}  // namespace paynotify::header
