#include "common/antom/verifier.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "common/antom/notification_signer.hpp"
#include "common/antom/signature_header.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/test_keys.hpp"

namespace paynotify {
namespace {

using testing::kPaymentResultBody;
using testing::test_key;

constexpr std::string_view kUri = "/notifications/antom";
constexpr std::string_view kClient = "SANDBOX_5YC43Z2ZXXXX";
constexpr std::string_view kTime = "2019-07-12T12:08:56.253+05:30";

KeyRegistry registry_with(int key_index, std::string version = "1") {
  KeyRegistry keys;
  keys.add(std::string(kClient), std::move(version), test_key(key_index).pair.public_pem);
  return keys;
}

SignedHeaders sign(int key_index = 0, std::string_view body = kPaymentResultBody,
                   std::string_view version = "1") {
  return sign_notification(test_key(key_index).private_key.get(), kUri, kClient, kTime, body,
                           version);
}

Verdict verify(const SignedHeaders& h, const KeyRegistry& keys,
               std::string_view body = kPaymentResultBody, std::string_view uri = kUri) {
  return verify_notification({uri, h.client_id, h.request_time, h.signature, body}, keys);
}

TEST(SignedContent, IsExactlyWhatAntomSigns) {
  EXPECT_EQ(signed_content("/n?x=1", "C1", "123", "{\"a\":1}"), "POST /n?x=1\nC1.123.{\"a\":1}");
}

TEST(Verifier, AcceptsAGenuineNotification) {
  const auto v = verify(sign(), registry_with(0));
  EXPECT_TRUE(v.ok()) << describe(v.error);
  EXPECT_EQ(v.key_version, "1");
}

TEST(Verifier, RejectsEveryTamperedPart) {
  const auto keys = registry_with(0);
  const auto h = sign();
  std::string body = kPaymentResultBody;
  body[body.find("4200")] = '5';
  EXPECT_EQ(verify(h, keys, body).error, VerifyError::bad_signature) << "body";
  EXPECT_EQ(verify(h, keys, kPaymentResultBody + " ").error, VerifyError::bad_signature)
      << "trailing byte";
  EXPECT_EQ(verify(h, keys, kPaymentResultBody, "/notifications/other").error,
            VerifyError::bad_signature)
      << "path";
  auto other_time = h;
  other_time.request_time = "2019-07-12T12:08:57.253+05:30";
  EXPECT_EQ(verify(other_time, keys).error, VerifyError::bad_signature) << "time";
  auto other_client = h;
  other_client.client_id = "SANDBOX_OTHER";
  KeyRegistry both = registry_with(0);
  both.add("SANDBOX_OTHER", "1", test_key(0).pair.public_pem);
  EXPECT_EQ(verify(other_client, both).error, VerifyError::bad_signature) << "client id";
  auto flipped = h;
  std::string raw_signature = parse_signature_header(h.signature).header.value().signature;
  raw_signature[10] = static_cast<char>(raw_signature[10] ^ 1);
  flipped.signature = format_signature_header("1", raw_signature);
  EXPECT_EQ(verify(flipped, keys).error, VerifyError::bad_signature) << "signature";
}

TEST(Verifier, RejectsASignatureByAnotherKey) {
  EXPECT_EQ(verify(sign(1), registry_with(0)).error, VerifyError::bad_signature);
}

// Each thread keeps a check context per key: a key made where a dropped one lived (the same
// address, after a rotation) must not be checked with the dropped one's context.
TEST(Verifier, AKeyInTheAddressOfADroppedOneIsCheckedWithItsOwnContext) {
  for (int round = 0; round < 8; ++round) {
    const int signer = round % 2, checker = 1 - signer;
    {
      const auto own = std::make_unique<KeyRegistry>(registry_with(signer));
      ASSERT_TRUE(verify(sign(signer), *own).ok());
    }
    const auto other = std::make_unique<KeyRegistry>(registry_with(checker));
    EXPECT_EQ(verify(sign(signer), *other).error, VerifyError::bad_signature) << round;
    EXPECT_TRUE(verify(sign(checker), *other).ok()) << round;
  }
}

TEST(Verifier, ChecksFromManyThreadsAtOnce) {
  const KeyRegistry keys = registry_with(0);
  const SignedHeaders good = sign(0), foreign = sign(1);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!verify(good, keys).ok()) ++wrong;
        if (verify(foreign, keys).ok()) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Verifier, NamesMissingHeadersAndUnknownKeys) {
  const auto keys = registry_with(0);
  const auto h = sign();
  EXPECT_EQ(verify_notification({kUri, "", kTime, h.signature, kPaymentResultBody}, keys).error,
            VerifyError::missing_client_id);
  EXPECT_EQ(verify_notification({kUri, kClient, "", h.signature, kPaymentResultBody}, keys).error,
            VerifyError::missing_request_time);
  EXPECT_EQ(verify_notification({kUri, kClient, kTime, "", kPaymentResultBody}, keys).error,
            VerifyError::missing_signature);
  EXPECT_EQ(
      verify_notification({kUri, kClient, kTime, "signature=%%", kPaymentResultBody}, keys).error,
      VerifyError::malformed_signature);
  EXPECT_EQ(
      verify_notification({kUri, "NOBODY", kTime, h.signature, kPaymentResultBody}, keys).error,
      VerifyError::unknown_client);
  EXPECT_EQ(verify(sign(0, kPaymentResultBody, "9"), keys).error, VerifyError::unknown_key_version);
}

// The dot shift: the signed content joins client id, time and body with dots, so a signature
// made for (client "M", time "1.<ms>") is also one for (client "M.1", time "<ms>"). Client ids
// in Antom's form and request-times in Antom's two forms leave no second reading.
TEST(Verifier, TheDotShiftBetweenClientIdAndRequestTimeIsImpossible) {
  KeyRegistry keys;
  EXPECT_THROW(keys.add("M.1", "1", test_key(0).pair.public_pem), std::runtime_error)
      << "a client id with a dot";
  EXPECT_THROW(keys.add("M 1", "1", test_key(0).pair.public_pem), std::runtime_error);
  keys.add("M", "1", test_key(0).pair.public_pem);
  keys.add("Sandbox_M-1", "1", test_key(0).pair.public_pem);
  const auto shifted = sign_notification(test_key(0).private_key.get(), kUri, "M",
                                         "1.1700000000000", kPaymentResultBody, "1");
  EXPECT_EQ(verify(shifted, keys).error, VerifyError::malformed_request_time)
      << "time 1.<ms> is neither form";
  for (const std::string_view time :
       {"1700000000000", "2019-07-12T12:08:56.253+05:30", "2019-07-12T12:08:56Z"}) {
    const auto h =
        sign_notification(test_key(0).private_key.get(), kUri, "M", time, kPaymentResultBody, "1");
    EXPECT_TRUE(verify(h, keys).ok()) << time;
  }
  for (const std::string_view time :
       {"abc", "17000000000x0", "-1", "1.5", "2019-07-12T12:08:56.253+05:30.1"}) {
    const auto h =
        sign_notification(test_key(0).private_key.get(), kUri, "M", time, kPaymentResultBody, "1");
    EXPECT_EQ(verify(h, keys).error, VerifyError::malformed_request_time) << time;
  }
}

TEST(Verifier, PicksTheKeyOfTheNamedVersionDuringRotation) {
  KeyRegistry keys;
  keys.add(std::string(kClient), "1", test_key(0).pair.public_pem);
  keys.add(std::string(kClient), "2", test_key(1).pair.public_base64);
  EXPECT_TRUE(verify(sign(0, kPaymentResultBody, "1"), keys).ok());
  EXPECT_TRUE(verify(sign(1, kPaymentResultBody, "2"), keys).ok());
  EXPECT_EQ(verify(sign(1, kPaymentResultBody, "1"), keys).error, VerifyError::bad_signature);
  // No keyVersion in the header: every key of the client is tried.
  auto unversioned = sign(1);
  unversioned.signature =
      "algorithm=RSA256,signature=" +
      unversioned.signature.substr(unversioned.signature.find("signature=") + 10);
  EXPECT_TRUE(verify(unversioned, keys).ok());
}

TEST(Verifier, AnUnversionedKeyServesAnyVersion) {
  KeyRegistry keys;
  keys.add(std::string(kClient), "", test_key(0).pair.public_base64);
  EXPECT_TRUE(verify(sign(0, kPaymentResultBody, "4"), keys).ok());
}

TEST(Verifier, ClockSkewCheckIsOffByDefaultAndAppliesWhenSet) {
  const auto keys = registry_with(0);
  const auto h = sign();  // 2019
  EXPECT_TRUE(verify(h, keys).ok());
  const int64_t sent = 1562913536253;
  EXPECT_TRUE(verify_notification({kUri, kClient, kTime, h.signature, kPaymentResultBody}, keys,
                                  {60'000, sent + 59'000})
                  .ok());
  EXPECT_EQ(verify_notification({kUri, kClient, kTime, h.signature, kPaymentResultBody}, keys,
                                {60'000, sent + 61'000})
                .error,
            VerifyError::stale_request_time);
}

// Cross-check with the openssl command line, both ways, so two implementations agree.
class OpensslCrossCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("paynotify-xcheck-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    write("public.pem", test_key(0).pair.public_pem);
    write("private.pem", test_key(0).pair.private_pem);
    write("content.bin", signed_content(kUri, kClient, kTime, kPaymentResultBody));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& data) {
    std::ofstream(dir_ / name, std::ios::binary) << data;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(OpensslCrossCheck, OpensslVerifiesWhatWeSign) {
  const auto sig = parse_signature_header(sign().signature).header->signature;
  write("sig.bin", sig);
  const std::string cmd = "openssl dgst -sha256 -verify " + path("public.pem") + " -signature " +
                          path("sig.bin") + " " + path("content.bin") + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST_F(OpensslCrossCheck, WeVerifyWhatOpensslSigns) {
  const std::string cmd = "openssl dgst -sha256 -sign " + path("private.pem") + " -out " +
                          path("sig.bin") + " " + path("content.bin");
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(path("sig.bin"), std::ios::binary);
  const std::string sig((std::istreambuf_iterator<char>(in)), {});
  const SignedHeaders h{std::string(kClient), std::string(kTime),
                        format_signature_header("1", sig)};
  EXPECT_TRUE(verify(h, registry_with(0)).ok());
}

}  // namespace
}  // namespace paynotify
