#include "common/antom/signature_header.hpp"

#include <gtest/gtest.h>

#include "common/antom/encoding.hpp"

namespace paynotify {
namespace {

const std::string kRaw =
    std::string("\x10\x20\x30\xfb\xef\xbe\x01\x02\x03\xff\x40", 11);  // base64 ECAw++++AQID/0A=

TEST(SignatureHeader, ParsesTheDocumentedForm) {
  const std::string b64 = base64_encode(kRaw);
  ASSERT_NE(b64.find('+'), std::string::npos);
  const auto p =
      parse_signature_header("algorithm=RSA256,keyVersion=1,signature=" + percent_encode(b64));
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->algorithm, "RSA256");
  EXPECT_EQ(p.header->key_version, "1");
  EXPECT_EQ(p.header->signature, kRaw);
}

TEST(SignatureHeader, AcceptsSpacesAfterCommasAndAnyKeyCase) {
  const auto p = parse_signature_header(
      "Algorithm=RSA256, KEYVERSION=2,  Signature=" + percent_encode(base64_encode(kRaw)) + " ");
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->key_version, "2");
  EXPECT_EQ(p.header->signature, kRaw);
}

TEST(SignatureHeader, AcceptsLowerCaseEscapes) {
  // As the .NET SDK sends it: only the hex digits of each escape are lower case.
  std::string encoded = percent_encode(base64_encode(kRaw));
  for (std::size_t i = encoded.find('%'); i != std::string::npos; i = encoded.find('%', i + 1)) {
    for (std::size_t k = i + 1; k <= i + 2; ++k) {
      encoded[k] = static_cast<char>(std::tolower(static_cast<unsigned char>(encoded[k])));
    }
  }
  ASSERT_NE(encoded.find("%2b"), std::string::npos);
  const auto p = parse_signature_header("algorithm=RSA256,keyVersion=1,signature=" + encoded);
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->signature, kRaw);
}

TEST(SignatureHeader, AcceptsARawPlusAndAPlusTurnedIntoASpace) {
  const std::string b64 = base64_encode(kRaw);  // contains '+', not escaped
  auto p = parse_signature_header("algorithm=RSA256,keyVersion=1,signature=" + b64);
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->signature, kRaw);
  std::string mangled = b64;
  for (auto& c : mangled)
    if (c == '+') c = ' ';
  p = parse_signature_header("algorithm=RSA256,keyVersion=1,signature=" + mangled);
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->signature, kRaw);
}

TEST(SignatureHeader, KeepsPaddingEqualsSignsInTheValue) {
  const auto p = parse_signature_header("signature=QQ==,keyVersion=3");
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->signature, "A");
  EXPECT_EQ(p.header->key_version, "3");
}

TEST(SignatureHeader, MissingKeyVersionIsEmpty) {
  const auto p = parse_signature_header("algorithm=RSA256,signature=QQ==");
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->key_version, "");
}

TEST(SignatureHeader, RejectsWhatCannotBeASignature) {
  EXPECT_EQ(parse_signature_header("").error, SignatureHeaderError::missing_signature);
  EXPECT_EQ(parse_signature_header("algorithm=RSA256,keyVersion=1").error,
            SignatureHeaderError::missing_signature);
  EXPECT_EQ(parse_signature_header("signature=").error, SignatureHeaderError::missing_signature);
  EXPECT_EQ(parse_signature_header("signature=%zz").error, SignatureHeaderError::bad_encoding);
  EXPECT_EQ(parse_signature_header("signature=a*b").error, SignatureHeaderError::bad_encoding);
  EXPECT_EQ(parse_signature_header("algorithm=HMAC,signature=QQ==").error,
            SignatureHeaderError::unsupported_algorithm);
}

TEST(SignatureHeader, FormatRoundTrips) {
  const auto p = parse_signature_header(format_signature_header("7", kRaw));
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->key_version, "7");
  EXPECT_EQ(p.header->signature, kRaw);
}

}  // namespace
}  // namespace paynotify
