// A delivery report proves a write only with no error, status PERSISTED and an offset.
#include "common/kafka/delivery_proof.hpp"

#include <gtest/gtest.h>

#include <string>

namespace paynotify {
namespace {

// What a report proves: no failure (written), or the failure's code.
boost::system::error_code failure_of(rd_kafka_resp_err_t err, rd_kafka_msg_status_t status,
                                     int64_t offset) {
  const DeliveryResult r = delivery_proof(err, status, 3, offset);
  return r ? boost::system::error_code{} : r.error().code;
}

TEST(DeliveryProof, OnlyAPersistedRecordWithAnOffsetIsWritten) {
  EXPECT_EQ(failure_of(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_PERSISTED, 0),
            boost::system::error_code{});
  EXPECT_EQ(failure_of(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_PERSISTED, 41),
            boost::system::error_code{});
}

TEST(DeliveryProof, AnImplicitAcknowledgementIsNotProof) {
  // What librdkafka reports for the records of a request it acknowledged implicitly.
  EXPECT_EQ(failure_of(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_PERSISTED,
                       RD_KAFKA_OFFSET_INVALID),
            make_error_code(DeliveryError::unconfirmed));
  EXPECT_EQ(failure_of(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_PERSISTED, -1),
            make_error_code(DeliveryError::unconfirmed));
  EXPECT_EQ(failure_of(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED, 7),
            make_error_code(DeliveryError::unconfirmed));
  EXPECT_EQ(failure_of(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_NOT_PERSISTED, 7),
            make_error_code(DeliveryError::unconfirmed));
}

TEST(DeliveryProof, AnErrorIsAFailureWhateverElseItSays) {
  EXPECT_EQ(
      failure_of(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED, -1001),
      make_error_code(DeliveryError::not_written));
  EXPECT_EQ(
      failure_of(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_MSG_STATUS_PERSISTED, 3),
      make_error_code(DeliveryError::not_written));
}

TEST(DeliveryProof, AWriteSaysWhereAndAFailureWhy) {
  const DeliveryResult written =
      delivery_proof(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_PERSISTED, 5, 41);
  ASSERT_TRUE(written);
  EXPECT_EQ(written->partition, 5);
  EXPECT_EQ(written->offset, 41);

  const DeliveryResult refused = delivery_proof(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                                RD_KAFKA_MSG_STATUS_NOT_PERSISTED, 5, -1001);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code.category().name(), std::string("paynotify.delivery"));
  EXPECT_EQ(describe(refused.error()),
            "not written: " + std::string(rd_kafka_err2str(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)));

  const DeliveryResult implicit =
      delivery_proof(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_MSG_STATUS_PERSISTED, 5, -1001);
  ASSERT_FALSE(implicit);
  EXPECT_EQ(describe(implicit.error()),
            "delivery not confirmed: reported without an offset (an implicit acknowledgement)");
  EXPECT_EQ(describe(failure(DeliveryError::no_report)),
            "no delivery report within the acknowledgement timeout");
}

TEST(DeliveryProof, AnUnknownCodeStillReadsAsItsCategory) {
  EXPECT_EQ(make_error_code(static_cast<DeliveryError>(99)).message(),
            "paynotify.delivery error 99");
}

}  // namespace
}  // namespace paynotify
