#include "common/kafka/delivery_proof.hpp"

namespace paynotify {

DeliveryProof delivery_proof(rd_kafka_resp_err_t err, rd_kafka_msg_status_t status,
                             int64_t offset) {
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return DeliveryProof::failed;
  if (status != RD_KAFKA_MSG_STATUS_PERSISTED || offset < 0) return DeliveryProof::unconfirmed;
  return DeliveryProof::written;
}

}  // namespace paynotify
