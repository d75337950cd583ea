#pragma once
// The Kafka record of a notification recovered by asking Antom: the notification's bytes as the
// value, keyed like the ingest keys a received one, and as evidence Antom's signed answer whole,
// in the headers a received notification's evidence takes (DESIGN.md "The Kafka record") plus
// antom-inquiry-answer, which says the record came from an inquiry. The worker re-verifies it
// (worker/record_signature.cpp) and dedupes it against the notification, if that ever comes.

#include <cstdint>
#include <string>

#include "common/antom/antom_api_client.hpp"
#include "common/antom/inquiry.hpp"
#include "common/kafka/publisher.hpp"

namespace paynotify {

OutgoingRecord recovered_record(const std::string& topic, const SignedAnswer& answer,
                                const RecoveredNotification& notification, int64_t now_ms);

}  // namespace paynotify
