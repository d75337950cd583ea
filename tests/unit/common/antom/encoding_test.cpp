#include "common/antom/encoding.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace paynotify {
namespace {

TEST(Base64, RoundTripsEveryLengthModThree) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\0\xff\x10", 3)}) {
    const auto decoded = base64_decode(base64_encode(s));
    ASSERT_TRUE(decoded) << s;
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
}

TEST(Base64, AcceptsMissingPaddingAndLineBreaks) {
  EXPECT_EQ(base64_decode("Zm8"), "fo");
  EXPECT_EQ(base64_decode("Zm9v\nYmFy\r\n"), "foobar");
}

TEST(Base64, RejectsForeignCharactersAndDataAfterPadding) {
  EXPECT_FALSE(base64_decode("Zm9v*mFy"));
  EXPECT_FALSE(base64_decode("Zm8=Zm8="));
  EXPECT_FALSE(base64_decode("Z"));           // 6 bits cannot be a byte
  EXPECT_FALSE(base64_decode("Zm9vYmFy-_"));  // URL-safe alphabet is not what Antom sends
}

TEST(PercentDecode, HandlesUpperAndLowerCaseEscapes) {
  EXPECT_EQ(percent_decode("a%2Bb%2fc%3D"), "a+b/c=");
  EXPECT_EQ(percent_decode("a%2bb%2Fc%3d"), "a+b/c=");
}

TEST(PercentDecode, KeepsARawPlusAsPlus) { EXPECT_EQ(percent_decode("ab+cd"), "ab+cd"); }

TEST(PercentDecode, RejectsTruncatedOrNonHexEscapes) {
  EXPECT_FALSE(percent_decode("abc%2"));
  EXPECT_FALSE(percent_decode("abc%"));
  EXPECT_FALSE(percent_decode("abc%zz"));
}

TEST(PercentEncode, EscapesReservedCharactersUpperCase) {
  EXPECT_EQ(percent_encode("a+b/c=d"), "a%2Bb%2Fc%3Dd");
  EXPECT_EQ(percent_decode(percent_encode("x y+z")), "x y+z");
}

TEST(ParseInt64, TakesTheWholeTextOrNothing) {
  EXPECT_EQ(parse_int64("0"), 0);
  EXPECT_EQ(parse_int64("-1"), -1);
  EXPECT_EQ(parse_int64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_int64("9223372036854775808"), std::nullopt) << "out of range";
  EXPECT_EQ(parse_int64(""), std::nullopt);
  EXPECT_EQ(parse_int64("+5"), std::nullopt);
  EXPECT_EQ(parse_int64(" 5"), std::nullopt);
  EXPECT_EQ(parse_int64("5 "), std::nullopt) << "no trailing characters";
  EXPECT_EQ(parse_int64("12ab"), std::nullopt);
}
}  // namespace
}  // namespace paynotify
