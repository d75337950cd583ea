// Promise 2 and 5 as a property: thousands of random mutations of a genuine request — body,
// target, client id, request time and signature header bytes — never yield a record unless the
// signed parts are unchanged, and never crash (this suite also runs under ASan+UBSan).
#include <gtest/gtest.h>

#include <random>

#include "common/antom/notification_signer.hpp"
#include "common/antom/signature_header.hpp"
#include "ingest/notification_intake.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/test_keys.hpp"

namespace paynotify::ingest {
namespace {

std::string mutate(std::string s, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> op(0, 3);
  std::uniform_int_distribution<int> byte(0, 255);
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = s.empty() ? 0 : rng() % s.size();
    switch (op(rng)) {
      case 0:
        if (!s.empty()) s[at] = static_cast<char>(byte(rng));
        break;                                                       // flip a byte
      case 1: s.insert(at, 1, static_cast<char>(byte(rng))); break;  // insert one
      case 2:
        if (!s.empty()) s.erase(at, 1);
        break;                             // delete one
      case 3: s = s.substr(0, at); break;  // truncate
    }
  }
  return s;
}

TEST(IntakeMutations, NoMutationOfASignedPartGetsPublished) {
  KeyRegistry keys;
  keys.add("C1", "1", paynotify::testing::test_key(0).pair.public_pem);
  NotificationIntake intake({"/n", "", "t", 0}, keys);
  const std::string body = paynotify::testing::kCaptureResultBody;
  const auto h = sign_notification(paynotify::testing::test_key(0).private_key.get(), "/n", "C1",
                                   "1700000000000", body);
  std::mt19937_64 rng(20261125);
  int published = 0, rejected = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string b = body, target = "/n", client = "C1", time = "1700000000000", sig = h.signature;
    switch (i % 4) {
      case 0: b = mutate(b, rng); break;
      case 1: client = mutate(client, rng); break;
      case 2: time = mutate(time, rng); break;
      case 3: sig = mutate(sig, rng); break;
    }
    const auto d = intake.decide({"POST", target, "application/json", client, time, sig, "", b}, 0);
    const bool signed_parts_intact = b == body && client == "C1" && time == "1700000000000";
    if (d.record) {
      ++published;
      EXPECT_TRUE(signed_parts_intact) << "published a mutation, case " << i;
      // A mutated signature header may still carry the same signature (e.g. a changed
      // algorithm case or key version spacing): only then may it pass.
      const auto parsed = parse_signature_header(sig);
      ASSERT_TRUE(parsed.header);
      EXPECT_EQ(parsed.header->signature, parse_signature_header(h.signature).header->signature);
    } else {
      ++rejected;
      ASSERT_TRUE(d.answer);
      EXPECT_TRUE(d.answer->status == 401 || d.answer->status == 400) << d.answer->status;
    }
  }
  EXPECT_GT(rejected, 3500);
}

TEST(IntakeMutations, ArbitraryBytesInEveryHeaderAreAnsweredNotCrashedOn) {
  KeyRegistry keys;
  keys.add("C1", "1", paynotify::testing::test_key(0).pair.public_pem);
  NotificationIntake intake({"/n", "", "t", 0}, keys);
  std::mt19937_64 rng(7);
  auto random_bytes = [&](std::size_t max) {
    std::string s(rng() % max, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
    return s;
  };
  for (int i = 0; i < 2000; ++i) {
    const std::string sig =
        i % 2 ? random_bytes(600) : "algorithm=RSA256,keyVersion=1,signature=" + random_bytes(400);
    const auto d = intake.decide({"POST", "/n", "application/json", "C1", random_bytes(40), sig,
                                  random_bytes(80), random_bytes(2000)},
                                 0);
    ASSERT_TRUE(d.answer);
    EXPECT_FALSE(d.record);
  }
}

}  // namespace
}  // namespace paynotify::ingest
