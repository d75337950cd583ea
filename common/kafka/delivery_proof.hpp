#pragma once
// What a librdkafka delivery report proves (DESIGN.md promise 1). Pure: no I/O.
//
// A report proves a write only with no error, status PERSISTED and the record's offset.
// librdkafka's idempotent producer also reports success without an offset: when a produce
// request fails (NOT_LEADER_OR_FOLLOWER on a partition just created or added, a leadership move)
// while a later request to the same partition succeeds, it "implicitly acknowledges" the
// first request's records (offset RD_KAFKA_OFFSET_INVALID) although no broker stored them.

#include <librdkafka/rdkafka.h>

#include <cstdint>

#include "common/kafka/publisher.hpp"

namespace paynotify {

// A report's error, status, partition and offset, as the publisher's result: written at the
// offset; not_written with librdkafka's words for an error; unconfirmed for "success" without
// an offset (not proof: treated as a failure).
DeliveryResult delivery_proof(rd_kafka_resp_err_t err, rd_kafka_msg_status_t status,
                              int32_t partition, int64_t offset);

}  // namespace paynotify
