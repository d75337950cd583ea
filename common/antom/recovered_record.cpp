#include "common/antom/recovered_record.hpp"

#include "common/antom/notification.hpp"
#include "common/kafka/record_headers.hpp"
#include "common/service/ids.hpp"

namespace paynotify {

OutgoingRecord recovered_record(const std::string& topic, const SignedAnswer& answer,
                                const RecoveredNotification& notification, int64_t now_ms) {
  const NotificationRoute route = route_notification(notification.body);
  std::string ingest_id = new_ingest_id();
  OutgoingRecord record;
  record.topic = topic;
  record.key = partition_key(route, ingest_id);
  record.value = notification.body;
  RecordHeaders& h = record.headers;
  h.emplace_back(header::kClientId, answer.client_id);
  h.emplace_back(header::kRequestTime, answer.response_time);
  h.emplace_back(header::kSignature, answer.signature);
  h.emplace_back(header::kRequestUri, answer.path);
  h.emplace_back(header::kNotifyType, route.kind);
  h.emplace_back(header::kReceivedAt, std::to_string(now_ms));
  h.emplace_back(header::kIngestId, std::move(ingest_id));
  h.emplace_back(header::kTraceparent, new_traceparent());
  h.emplace_back(header::kInquiryAnswer, answer.body);
  return record;
}

}  // namespace paynotify
