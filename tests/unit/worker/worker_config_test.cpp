#include "worker/worker_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/test_keys.hpp"

namespace paynotify::worker {
namespace {

// worker_config_from's ConfigError text for this --order-service-url; "" when it was accepted.
std::string order_service_url_error(const std::string& url) {
  auto o = worker_options();
  o.parse({"--order-service-url", url, "--verify-records", "off"}, {});
  try {
    worker_config_from(o);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(WorkerConfig, AnOrderServiceUrlIsAcceptedWithAPathAndAPort) {
  EXPECT_EQ(order_service_url_error("https://orders.internal:8443/api"), "");
  EXPECT_EQ(order_service_url_error("http://[::1]:8080"), "");
}

TEST(WorkerConfig, OrderServiceUrlsWithUserInfoAQueryOrAFragmentAreRefusedAndNotRepeated) {
  for (const std::string bad :
       {"https://svc:S3cret@orders.internal", "https://S3cret@orders.internal",
        "https://orders.internal/api?token=S3cret", "https://orders.internal/#S3cret"}) {
    const std::string why = order_service_url_error(bad);
    EXPECT_NE(why.find("--order-service-url must not hold user info, a query or a fragment"),
              std::string::npos)
        << bad << ": " << why;
    EXPECT_EQ(why.find("S3cret"), std::string::npos) << why;
  }
}

TEST(WorkerConfig, AMalformedOrderServiceUrlIsRefusedAndNotRepeated) {
  for (const std::string bad : {"svc:S3cret", "ftp://orders/S3cret", "https://svc:S3cret",
                                "https://", "https://orders.internal:99999"}) {
    const std::string why = order_service_url_error(bad);
    EXPECT_NE(why.find("--order-service-url must be an http:// or https:// URL"), std::string::npos)
        << bad << ": " << why;
    EXPECT_EQ(why.find("S3cret"), std::string::npos) << why;
  }
}

WorkerConfig config_of(std::vector<std::string> args) {
  auto o = worker_options();
  args.insert(args.end(), {"--order-service-url", "https://orders.internal"});
  o.parse(args, {});
  return worker_config_from(o);
}

// On by default: a worker started without Antom's keys says what to give, or how to opt out.
TEST(WorkerConfig, RecordsAreVerifiedByDefaultWithTheIngestsKeys) {
  try {
    config_of({});
    ADD_FAILURE() << "a worker without keys started";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--antom-public-key"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--verify-records off"), std::string::npos) << e.what();
  }
  const auto verified = config_of(
      {"--antom-public-key", paynotify::testing::test_public_key_file(), "--client-id", "C1"});
  ASSERT_TRUE(verified.engine.record_keys);
  EXPECT_TRUE(verified.engine.record_keys->knows_client("C1"));
  EXPECT_FALSE(config_of({"--verify-records", "off"}).engine.record_keys);
  EXPECT_THROW(config_of({"--verify-records", "maybe"}), ConfigError);
}

}  // namespace
}  // namespace paynotify::worker
