#include "common/antom/request_time.hpp"

#include <gtest/gtest.h>

namespace paynotify {
namespace {

TEST(RequestTime, EpochMilliseconds) { EXPECT_EQ(parse_request_time_ms("1700000000123"), 1700000000123); }

TEST(RequestTime, Iso8601WithOffsetAndFraction) {
  // 2019-07-12T12:08:56.253+05:30 == 2019-07-12T06:38:56.253Z == 1562913536253
  EXPECT_EQ(parse_request_time_ms("2019-07-12T12:08:56.253+05:30"), 1562913536253);
  EXPECT_EQ(parse_request_time_ms("2019-07-12T06:38:56.253Z"), 1562913536253);
  EXPECT_EQ(parse_request_time_ms("2019-07-12T12:08:56.253+0530"), 1562913536253);
  EXPECT_EQ(parse_request_time_ms("2022-11-10T00:34:52-08:00"), 1668069292000);
}

TEST(RequestTime, RejectsOtherForms) {
  EXPECT_FALSE(parse_request_time_ms(""));
  EXPECT_FALSE(parse_request_time_ms("yesterday"));
  EXPECT_FALSE(parse_request_time_ms("2019-13-12T12:08:56Z"));
  EXPECT_FALSE(parse_request_time_ms("2019-07-12T12:08:56+05"));
  EXPECT_FALSE(parse_request_time_ms("2019-07-12T12:08:56Zjunk"));
  EXPECT_FALSE(parse_request_time_ms("99999999999999999999999"));
}

}  // namespace
}  // namespace paynotify
