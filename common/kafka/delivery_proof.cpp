#include "common/kafka/delivery_proof.hpp"

namespace paynotify {

DeliveryResult delivery_proof(rd_kafka_resp_err_t err, rd_kafka_msg_status_t status,
                              int32_t partition, int64_t offset) {
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return failure(DeliveryError::not_written, rd_kafka_err2str(err));
  if (status != RD_KAFKA_MSG_STATUS_PERSISTED || offset < 0)
    return failure(DeliveryError::unconfirmed);
  return RecordWritten{partition, offset};
}

}  // namespace paynotify
