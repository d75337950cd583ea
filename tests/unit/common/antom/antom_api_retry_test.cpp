// Which failures of a call to Antom's API are worth another try (antom_api_client.hpp).
#include <gtest/gtest.h>

#include "common/antom/antom_api_client.hpp"

namespace paynotify {
namespace {

TEST(AntomApiRetry, NoAnswerA5xxAndUAreAskedAgainARefusalIsNot) {
  EXPECT_TRUE(worth_asking_again(failure(AntomApiError::unreachable, "connect timeout")));
  EXPECT_TRUE(worth_asking_again(failure(AntomApiError::unknown, "UNKNOWN_EXCEPTION: later")));
  EXPECT_TRUE(worth_asking_again(failure(AntomApiError::http_status, "503")));
  EXPECT_FALSE(worth_asking_again(failure(AntomApiError::http_status, "404")));
  EXPECT_FALSE(worth_asking_again(failure(AntomApiError::http_status, "5")));
  EXPECT_FALSE(worth_asking_again(failure(AntomApiError::unsigned_answer, "bad signature")));
  EXPECT_FALSE(worth_asking_again(failure(AntomApiError::failed, "ORDER_NOT_EXIST: no")));
  EXPECT_FALSE(worth_asking_again(failure(AntomApiError::bad_answer, "another payment")));
}

}  // namespace
}  // namespace paynotify
