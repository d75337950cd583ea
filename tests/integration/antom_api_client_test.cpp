// The Antom API client (common/antom/antom_api_client.hpp) against paynotify-antom-simulator:
// requests signed so that the simulator's check passes, answers verified before they are read,
// and which failures are asked again.
#include "common/antom/antom_api_client.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/service/options.hpp"

#include "tests/support/antom_simulator.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/test_keys.hpp"

namespace paynotify {
namespace {

using testing::AntomSimulator;
using By = InquiryTarget::By;

class AntomApiClientTest : public ::testing::Test {
 protected:
  AntomApiClientTest()
      : dir_(std::filesystem::temp_directory_path() /
             ("paynotify-antom-api-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(dir_);
    simulator_ = std::make_unique<AntomSimulator>(dir_.string());
    simulator_->control(R"({"payments":[)" + testing::payment_inquiry_answer("P1", "C1") + "]}");
  }
  ~AntomApiClientTest() override {
    simulator_.reset();
    std::filesystem::remove_all(dir_);
  }

  AntomApiSettings settings(int merchant_key = 2) const {
    auto antom_keys = std::make_shared<KeyRegistry>();
    antom_keys->add(AntomSimulator::kClientId, "1", testing::test_key(0).pair.public_pem);
    AntomApiSettings s;
    s.base_url = simulator_->url();
    s.client_id = AntomSimulator::kClientId;
    s.merchant_key = testing::test_key(merchant_key).private_key;
    s.antom_keys = std::move(antom_keys);
    s.first_backoff = std::chrono::milliseconds(10);
    return s;
  }

  int64_t calls(const char* api) { return simulator_->calls().at(api).as_int64(); }

  std::filesystem::path dir_;
  std::unique_ptr<AntomSimulator> simulator_;
};

TEST_F(AntomApiClientTest, AnInquiryIsSignedAndItsSignedAnswerRead) {
  AntomApiClient client(settings());
  const auto answer = client.inquire({By::payment_id, "P1"});
  ASSERT_TRUE(answer) << describe(answer.error());
  EXPECT_EQ(answer->path, "/ams/api/v1/payments/inquiryPayment");
  EXPECT_EQ(answer->client_id, AntomSimulator::kClientId);
  EXPECT_FALSE(answer->response_time.empty());
  EXPECT_EQ(answer->json.at("paymentId"), "P1");
  EXPECT_EQ(recovered_notifications(InquiryApi::payment, answer->json).size(), 2u);
  EXPECT_EQ(answer->tries, 1);
  const auto by_request = client.inquire({By::payment_request_id, "pr-P1"});
  ASSERT_TRUE(by_request) << describe(by_request.error());
  EXPECT_EQ(by_request->json.at("paymentId"), "P1");
  EXPECT_EQ(calls("inquiryPayment"), 2);
  EXPECT_EQ(calls("badRequestSignatures"), 0);
}

TEST_F(AntomApiClientTest, ARequestSignedWithAnotherKeyIsRefusedByAntom) {
  AntomApiClient client(settings(1));
  const auto answer = client.inquire({By::payment_id, "P1"});
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, AntomApiError::failed);
  EXPECT_NE(answer.error().detail.find("INVALID_SIGNATURE"), std::string::npos);
  EXPECT_EQ(calls("badRequestSignatures"), 1);
}

TEST_F(AntomApiClientTest, AnUnknownPaymentIsAnsweredAndNotAskedAgain) {
  AntomApiClient client(settings());
  const auto answer = client.inquire({By::payment_id, "NOPE"});
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, AntomApiError::failed);
  EXPECT_NE(answer.error().detail.find("ORDER_NOT_EXIST"), std::string::npos);
  EXPECT_EQ(calls("inquiryPayment"), 1);
}

TEST_F(AntomApiClientTest, AWronglySignedAnswerIsRefusedAndNotAskedAgain) {
  simulator_->control(R"({"mode":"badSignature"})");
  AntomApiClient client(settings());
  const auto answer = client.inquire({By::payment_id, "P1"});
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, AntomApiError::unsigned_answer) << describe(answer.error());
  EXPECT_EQ(calls("inquiryPayment"), 1);
}

TEST_F(AntomApiClientTest, AnswersUAndServerErrorsAreAskedAgainUpToTheTries) {
  simulator_->control(R"({"unknownNext":2})");
  AntomApiClient client(settings());
  const auto answer = client.inquire({By::payment_id, "P1"});
  ASSERT_TRUE(answer) << describe(answer.error());
  EXPECT_EQ(answer->tries, 3);
  EXPECT_EQ(calls("inquiryPayment"), 3);

  simulator_->control(R"({"unknownNext":5})");
  const auto unknown = client.inquire({By::payment_id, "P1"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, AntomApiError::unknown);
  EXPECT_EQ(calls("inquiryPayment"), 6);

  simulator_->control(R"({"unknownNext":0,"mode":"error"})");
  const auto error = client.inquire({By::payment_id, "P1"});
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().code, AntomApiError::http_status);
  EXPECT_NE(error.error().detail.find("500"), std::string::npos);
  EXPECT_EQ(calls("inquiryPayment"), 9);
}

TEST_F(AntomApiClientTest, ASlowAnswerEndsAtTheCallTimeout) {
  simulator_->control(R"({"delayMs":3000})");
  auto s = settings();
  s.call_timeout = std::chrono::milliseconds(300);
  s.tries = 1;
  AntomApiClient client(std::move(s));
  const auto started = std::chrono::steady_clock::now();
  const auto answer = client.inquire({By::payment_id, "P1"});
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, AntomApiError::unreachable) << describe(answer.error());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
}

TEST_F(AntomApiClientTest, TheEndpointMustBeHttpsUnlessOnLoopback) {
  for (const char* url : {"http://antom.example.com", "https://antom.example.com/ams/api",
                          "ftp://127.0.0.1", "https://", "not a url"}) {
    auto s = settings();
    s.base_url = url;
    EXPECT_THROW(AntomApiClient{std::move(s)}, ConfigError) << url;
  }
  auto s = settings();
  s.base_url = "https://open-sea-global.alipay.com";
  EXPECT_NO_THROW(AntomApiClient{std::move(s)});
  auto no_key = settings();
  no_key.antom_keys = std::make_shared<KeyRegistry>();
  EXPECT_THROW(AntomApiClient{std::move(no_key)}, ConfigError);
}

}  // namespace
}  // namespace paynotify
