// A delivery report proves a write only with no error, status PERSISTED and an offset.
#include "common/kafka/delivery_proof.hpp"

#include <gtest/gtest.h>

namespace paynotify {
namespace {

TEST(DeliveryProof, OnlyAPersistedRecordWithAnOffsetIsWritten) {
  EXPECT_EQ(delivery_proof(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_PERSISTED, 0),
            DeliveryProof::written);
  EXPECT_EQ(delivery_proof(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_PERSISTED, 41),
            DeliveryProof::written);
}

TEST(DeliveryProof, AnImplicitAcknowledgementIsNotProof) {
  // What librdkafka reports for the records of a request it acknowledged implicitly.
  EXPECT_EQ(delivery_proof(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_PERSISTED,
                           RD_KAFKA_OFFSET_INVALID),
            DeliveryProof::unconfirmed);
  EXPECT_EQ(delivery_proof(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_PERSISTED, -1),
            DeliveryProof::unconfirmed);
  EXPECT_EQ(delivery_proof(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED, 7),
            DeliveryProof::unconfirmed);
  EXPECT_EQ(delivery_proof(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_NOT_PERSISTED, 7),
            DeliveryProof::unconfirmed);
}

TEST(DeliveryProof, AnErrorIsAFailureWhateverElseItSays) {
  EXPECT_EQ(delivery_proof(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED,
                           -1001),
            DeliveryProof::failed);
  EXPECT_EQ(
      delivery_proof(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_MSG_STATUS_PERSISTED, 3),
      DeliveryProof::failed);
}

}  // namespace
}  // namespace paynotify
