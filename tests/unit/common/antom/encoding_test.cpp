#include "common/antom/encoding.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
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

// The decoder before it took whole groups at a time: a character at a time, the reference.
std::optional<std::string> base64_decode_by_character(std::string_view text) {
  static const std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;
    const auto v = alphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (bits >= 6 || padding > 2) return std::nullopt;
  return out;
}

TEST(Base64, DecodesGroupsAtATimeAsACharacterAtATime) {
  // Mostly alphabet, with the characters that end the fast path anywhere: whitespace, padding,
  // foreign ones. Seeded, so a failure repeats.
  const std::string_view pool =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
      "== \n\r\t*-_\x80\xff";
  std::mt19937 random(19);
  std::uniform_int_distribution<std::size_t> length(0, 48);
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text(length(random), ' ');
    for (char& c : text) c = pool[pick(random)];
    const auto expected = base64_decode_by_character(text);
    ASSERT_EQ(base64_decode(text), expected) << "input: " << text;
    decoded += expected.has_value();
  }
  EXPECT_GT(decoded, 1000);  // the cases that decode are many, not only refusals
}

TEST(IEqualsAscii, FoldsLettersOnly) {
  EXPECT_TRUE(iequals_ascii("keyVersion", "KEYVERSION"));
  EXPECT_TRUE(iequals_ascii("RSA256", "rsa256"));
  EXPECT_FALSE(iequals_ascii("@", "`"));  // 0x40 and 0x60: one bit apart, not one letter
  EXPECT_FALSE(iequals_ascii("[", "{"));
  EXPECT_FALSE(iequals_ascii("abc", "abcd"));
}

TEST(PercentDecode, HandlesUpperAndLowerCaseEscapes) {
  EXPECT_EQ(percent_decode("a%2Bb%2fc%3D"), "a+b/c=");
  EXPECT_EQ(percent_decode("a%2bb%2Fc%3d"), "a+b/c=");
}

TEST(PercentDecode, KeepsARawPlusAsPlus) { EXPECT_EQ(percent_decode("ab+cd"), "ab+cd"); }

TEST(PercentDecode, CopiesWhatLiesBetweenEscapes) {
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("%41"), "A");
  EXPECT_EQ(percent_decode("%41%42"), "AB");
  EXPECT_EQ(percent_decode("xy%41z%42"), "xyAzB");
  EXPECT_EQ(percent_decode("%2541"), "%41");  // decoded once, not again
}

TEST(PercentDecode, RejectsTruncatedOrNonHexEscapes) {
  EXPECT_FALSE(percent_decode("%4"));
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
