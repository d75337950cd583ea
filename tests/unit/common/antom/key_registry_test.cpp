#include "common/antom/key_registry.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/test_keys.hpp"

namespace paynotify {
namespace {

using testing::test_key;

TEST(PublicKey, LoadsPemAndTheDashboardsBareBase64) {
  EXPECT_TRUE(load_public_key(test_key(0).pair.public_pem).key);
  EXPECT_TRUE(load_public_key(test_key(0).pair.public_base64).key);
  EXPECT_TRUE(load_public_key("  " + test_key(0).pair.public_base64 + "\n").key);
}

// The merchant's private key, as Antom's SDKs take it: PEM, or the bare base64 of its DER.
TEST(PrivateKey, LoadsPemAndBareBase64) {
  const std::string& pem = test_key(2).pair.private_pem;
  std::string bare;
  std::istringstream lines(pem);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("-----")) bare += line;
  }
  const auto from_pem = load_private_key(pem);
  const auto from_base64 = load_private_key(bare + "\n");
  ASSERT_TRUE(from_pem.key) << from_pem.error;
  ASSERT_TRUE(from_base64.key) << from_base64.error;
  EXPECT_EQ(EVP_PKEY_eq(from_pem.key.get(), from_base64.key.get()), 1);
  EXPECT_FALSE(load_private_key("not a key").key);
  EXPECT_FALSE(load_private_key(test_key(2).pair.public_base64).key);  // a public key is not one
}

TEST(PublicKey, RejectsGarbageShortKeysAndNonRsa) {
  EXPECT_FALSE(load_public_key("not a key").key);
  EXPECT_FALSE(load_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").key);
  EXPECT_FALSE(load_public_key("QUJDRA==").key);
  const auto short_key = generate_rsa_key_pair(1024);
  const auto r = load_public_key(short_key.public_pem);
  EXPECT_FALSE(r.key);
  EXPECT_NE(r.error.find("2048"), std::string::npos);
}

TEST(KeyRegistry, ReadsTheKeysFileWithSeveralVersions) {
  const std::string json = R"({"C1":[{"keyVersion":"1","publicKey":")" +
                           test_key(0).pair.public_base64 + R"("},{"keyVersion":2,"publicKey":")" +
                           test_key(1).pair.public_base64 + R"("}],"C2":[{"publicKey":")" +
                           test_key(0).pair.public_base64 + R"("}]})";
  const auto keys = KeyRegistry::from_json(json);
  EXPECT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys.candidates("C1", "1").size(), 1u);
  EXPECT_EQ(keys.candidates("C1", "2").size(), 1u);
  EXPECT_EQ(keys.candidates("C1", "3").size(), 0u);
  EXPECT_EQ(keys.candidates("C1", "").size(), 2u);
  EXPECT_EQ(keys.candidates("C2", "5").size(), 1u);
  EXPECT_FALSE(keys.knows_client("C3"));
}

TEST(KeyRegistry, ErrorsNameWhatIsWrong) {
  auto message_of = [](const std::string& json) {
    try {
      KeyRegistry::from_json(json);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(message_of("[]").find("must be an object"), std::string::npos);
  EXPECT_NE(message_of(R"({"C1":[]})").find("C1"), std::string::npos);
  EXPECT_NE(message_of(R"({"C1":[{"keyVersion":"1"}]})").find("publicKey"), std::string::npos);
  const auto bad = message_of(R"({"C1":[{"keyVersion":"4","publicKey":"xx"}]})");
  EXPECT_NE(bad.find("C1"), std::string::npos);
  EXPECT_NE(bad.find("key version 4"), std::string::npos);
}

}  // namespace
}  // namespace paynotify
