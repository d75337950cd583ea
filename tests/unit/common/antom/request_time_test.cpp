#include "common/antom/request_time.hpp"

#include <gtest/gtest.h>

#include <string>

namespace paynotify {
namespace {

TEST(RequestTime, EpochMilliseconds) {
  EXPECT_EQ(parse_request_time_ms("1700000000123"), 1700000000123);
}

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
  EXPECT_FALSE(parse_request_time_ms("2019-07-12T12:08:56.Z"));      // a dot with no fraction
  EXPECT_FALSE(parse_request_time_ms("2019-07-12T12:08:56+24:00"));  // no such offset
  EXPECT_FALSE(parse_request_time_ms("-999-07-12T12:08:56Z"));       // a sign is not a digit
  EXPECT_FALSE(parse_request_time_ms("2019-07-12T1-:08:56Z"));
}

// The zone ends the value: without it, a signed `C.<time>.B` would read two ways.
TEST(RequestTime, TheIsoFormMustNameItsZone) {
  EXPECT_FALSE(parse_request_time_ms("2019-07-12T12:08:56"));
  EXPECT_FALSE(parse_request_time_ms("2019-07-12T12:08:56.253"));
  EXPECT_TRUE(parse_request_time_ms("2019-07-12T12:08:56z"));
}

TEST(RequestTime, EveryValueLiesBetweenYearZeroAndYear9999) {
  EXPECT_EQ(parse_request_time_ms("9999-12-31T23:59:59.999Z"), kLatestRequestTimeMs);
  EXPECT_EQ(parse_request_time_ms(std::to_string(kLatestRequestTimeMs)), kLatestRequestTimeMs);
  EXPECT_FALSE(parse_request_time_ms(std::to_string(kLatestRequestTimeMs + 1)));
  EXPECT_FALSE(parse_request_time_ms("9223372036854775807"));  // INT64_MAX
  EXPECT_EQ(parse_request_time_ms("0000-01-01T00:00:00Z"), kEarliestRequestTimeMs);
  EXPECT_FALSE(parse_request_time_ms("9999-12-31T23:59:59.999-23:59"));  // past the end in UTC
  EXPECT_FALSE(parse_request_time_ms("0000-01-01T00:00:00+00:01"));
}

}  // namespace
}  // namespace paynotify
