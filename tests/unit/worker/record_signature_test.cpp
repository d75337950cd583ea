// The worker's own check of a record's evidence (worker/record_signature.hpp): a notification
// Antom signed, or a notification that Antom's signed inquiry answer stands for.
#include "worker/record_signature.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/antom/inquiry.hpp"
#include "common/antom/notification_signer.hpp"
#include "common/kafka/record_headers.hpp"

#include "tests/support/notifications.hpp"
#include "tests/support/test_keys.hpp"

namespace paynotify::worker {
namespace {

constexpr std::string_view kClient = "CLIENT-1";
constexpr std::string_view kNotifyUri = "/antom/notify";
const std::string kInquiryUri = inquiry_path(InquiryApi::payment, kClient);

KeyRegistry antom_keys() {
  KeyRegistry keys;
  keys.add(std::string(kClient), "1", testing::test_key(0).pair.public_pem);
  return keys;
}

// A record whose antom-* headers sign `signed_bytes` for `uri` with test key `key`.
ConsumedMessage record(std::string value, std::string_view uri, const std::string& signed_bytes,
                       int key = 0, std::string answer = {}) {
  const auto s = sign_notification(testing::test_key(key).private_key.get(), uri, kClient,
                                   "1800000000000", signed_bytes);
  RecordHeaders h{{std::string(header::kClientId), s.client_id},
                  {std::string(header::kRequestTime), s.request_time},
                  {std::string(header::kSignature), s.signature},
                  {std::string(header::kRequestUri), std::string(uri)}};
  if (!answer.empty()) h.emplace_back(header::kInquiryAnswer, std::move(answer));
  return ConsumedMessage{"antom.notifications", 0, 1, "P1", std::move(value), std::move(h)};
}

std::vector<RecoveredNotification> recovered(const std::string& answer) {
  return recovered_notifications(InquiryApi::payment, boost::json::parse(answer).as_object());
}

TEST(RecordSignature, ANotificationAntomSignedPassesAndAnyOtherFails) {
  const auto keys = antom_keys();
  const std::string body = testing::capture_result_body("P1", "C1");
  EXPECT_FALSE(unsigned_record(record(body, kNotifyUri, body), keys));
  EXPECT_TRUE(unsigned_record(record(body, kNotifyUri, body, 1), keys));
  EXPECT_TRUE(unsigned_record(record(body + " ", kNotifyUri, body), keys));
}

TEST(RecordSignature, ARecoveredNotificationPassesOnlyAsFarAsAntomsSignedAnswerGoes) {
  const auto keys = antom_keys();
  const std::string answer = testing::payment_inquiry_answer("P1", "C1");
  const auto found = recovered(answer);
  ASSERT_EQ(found.size(), 2u);
  for (const auto& n : found) {
    EXPECT_FALSE(unsigned_record(record(n.body, kInquiryUri, answer, 0, answer), keys)) << n.kind;
  }
  // A capture Antom's answer does not hold: a different amount, or a failure made a success.
  std::string altered = found[1].body;
  altered.replace(altered.find("4200"), 4, "9999");
  const auto refused = unsigned_record(record(altered, kInquiryUri, answer, 0, answer), keys);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("inquiry answer"), std::string::npos) << *refused;
  // An answer signed by someone else, or signed for another path.
  EXPECT_TRUE(unsigned_record(record(found[1].body, kInquiryUri, answer, 1, answer), keys));
  EXPECT_TRUE(unsigned_record(record(found[1].body, kNotifyUri, answer, 0, answer), keys));
  // The signed answer itself as the value, passed off as a notification.
  EXPECT_TRUE(unsigned_record(record(answer, kInquiryUri, answer), keys));
  // A genuine answer whose capture had not finished stands for no capture.
  const std::string processing = testing::payment_inquiry_answer("P1", "C1", "PROCESSING");
  EXPECT_TRUE(unsigned_record(record(found[1].body, kInquiryUri, processing, 0, processing), keys));
}

}  // namespace
}  // namespace paynotify::worker
