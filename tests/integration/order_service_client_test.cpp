// The worker's order-service client against the reference order service, over HTTP and over
// TLS with certificates made here: the server's verified against its CA (and refused without
// it), and mutual TLS (the client's certificate accepted; no or a stranger's refused).
#include "worker/order_service_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdlib>
#include <filesystem>

#include "common/service/ids.hpp"
#include "tests/support/child_process.hpp"

namespace paynotify::worker {
namespace {

namespace net = boost::asio;
using paynotify::testing::ChildProcess;

ApplyResult call_once(OrderServiceSettings settings, OrderCall call) {
  net::io_context ctx;
  OrderServiceClient client(ctx.get_executor(), std::move(settings));
  auto result = net::co_spawn(ctx, client.apply(std::move(call)), net::use_future);
  ctx.run();
  return result.get();
}

OrderServiceSettings settings(std::string url, std::string ca_file = "", std::string cert_file = "",
                              std::string key_file = "") {
  OrderServiceSettings s;
  s.url = std::move(url);
  s.ca_file = std::move(ca_file);
  s.cert_file = std::move(cert_file);
  s.key_file = std::move(key_file);
  return s;
}

class OrderServiceClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("paynotify-tls-" + random_hex(4));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    service_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A CA and a server certificate for 127.0.0.1, made with the openssl command line.
  void make_certificates() {
    const std::string d = dir_.string();
    const std::string cmd =
        "cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 "
        "-subj /CN=paynotify-test-ca >/dev/null 2>&1 && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 >/dev/null 2>&1 && "
        "printf 'subjectAltName=IP:127.0.0.1' > san.ext && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 "
        "-extfile san.ext >/dev/null 2>&1 && "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=paynotify-worker >/dev/null 2>&1 && "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 1 >/dev/null 2>&1 && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout stranger.key -out stranger.pem -days 1 "
        "-subj /CN=stranger >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }

  void start_service(std::vector<std::string> extra = {}) {
    port_ = testing::free_port();
    std::vector<std::string> argv = {PAYNOTIFY_ORDER_SERVICE_BIN, "--listen", "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    service_ = std::make_unique<ChildProcess>(argv, path("service.log"));
    ASSERT_TRUE(testing::wait_for_port(port_, std::chrono::seconds(10))) << "reference order service did not start";
  }

  // HTTPS that requires a client certificate signed by the test CA.
  void start_mutual_tls_service() {
    make_certificates();
    start_service({"--tls-cert", path("server.pem"), "--tls-key", path("server.key"), "--tls-client-ca", path("ca.pem")});
  }
  std::string https_url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  OrderCall call(const std::string& key) const {
    return {key, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            R"({"eventId":")" + key + R"(","type":"PAYMENT_AUTHORIZED","paymentId":"p-)" + key + R"("})"};
  }

  std::filesystem::path dir_;
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> service_;
};

TEST_F(OrderServiceClientTest, PlainHttpAppliesOnceThenAnswers409) {
  start_service();
  OrderServiceSettings s;
  s.url = "http://127.0.0.1:" + std::to_string(port_) + "/";
  EXPECT_EQ(call_once(s, call("k1")).status, 200u);
  EXPECT_EQ(call_once(s, call("k1")).status, 409u);  // the Idempotency-Key was remembered
}

TEST_F(OrderServiceClientTest, TlsVerifiesTheServerAgainstTheGivenCa) {
  make_certificates();
  start_service({"--tls-cert", path("server.pem"), "--tls-key", path("server.key")});
  OrderServiceSettings s;
  s.url = "https://127.0.0.1:" + std::to_string(port_);
  s.ca_file = path("ca.pem");
  const auto ok = call_once(s, call("k2"));
  EXPECT_EQ(ok.status, 200u) << ok.transport;
}

TEST_F(OrderServiceClientTest, TlsRefusesACertificateItCannotVerify) {
  make_certificates();
  start_service({"--tls-cert", path("server.pem"), "--tls-key", path("server.key")});
  OrderServiceSettings s;
  s.url = "https://127.0.0.1:" + std::to_string(port_);  // system CAs do not know the test CA
  const auto refused = call_once(s, call("k3"));
  EXPECT_EQ(refused.status, 0u);
  EXPECT_NE(refused.transport.find("TLS handshake failed"), std::string::npos) << refused.transport;
}

TEST_F(OrderServiceClientTest, MutualTlsPresentsTheClientCertificate) {
  start_mutual_tls_service();
  const auto ok = call_once(settings(https_url(), path("ca.pem"), path("client.pem"), path("client.key")), call("k5"));
  EXPECT_EQ(ok.status, 200u) << ok.transport;
}

TEST_F(OrderServiceClientTest, MutualTlsRefusesAClientWithoutACertificateItsCaSigned) {
  start_mutual_tls_service();
  OrderServiceSettings s = settings(https_url(), path("ca.pem"));
  const auto without = call_once(s, call("k6"));
  EXPECT_EQ(without.status, 0u);
  EXPECT_FALSE(without.transport.empty());
  EXPECT_EQ(classify(without), ErrorClass::transient) << "retried: a certificate put right fixes it";
  s.cert_file = path("stranger.pem");
  s.key_file = path("stranger.key");
  const auto stranger = call_once(s, call("k7"));
  EXPECT_EQ(stranger.status, 0u);
  EXPECT_FALSE(stranger.transport.empty());
  s.cert_file = path("client.pem");
  s.key_file = path("client.key");
  EXPECT_EQ(call_once(s, call("k6")).status, 200u) << "k6 was never applied: refused before the request";
}

TEST_F(OrderServiceClientTest, AnUnreachableServiceIsATransportError) {
  OrderServiceSettings s;
  s.url = "http://127.0.0.1:" + std::to_string(testing::free_port());
  const auto r = call_once(s, call("k4"));
  EXPECT_EQ(r.status, 0u);
  EXPECT_FALSE(r.transport.empty());
  EXPECT_EQ(classify(r), ErrorClass::transient);
}

TEST(OrderServiceClientConfig, RejectsOtherSchemes) {
  net::io_context ctx;
  EXPECT_THROW(OrderServiceClient(ctx.get_executor(), settings("ftp://x")), std::invalid_argument);
  EXPECT_THROW(OrderServiceClient(ctx.get_executor(), settings("https://x", "/nonexistent/ca.pem")),
               std::invalid_argument);
}

// The message names the option, so the start fails with what to fix.
std::string config_error(OrderServiceSettings s) {
  net::io_context ctx;
  try {
    OrderServiceClient client(ctx.get_executor(), std::move(s));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

TEST_F(OrderServiceClientTest, AClientCertificateThatCannotBeUsedStopsTheStart) {
  make_certificates();
  const std::string https = "https://127.0.0.1:1";
  EXPECT_NE(config_error(settings(https, "", path("client.pem"))).find("go together"), std::string::npos);
  EXPECT_NE(config_error(settings("http://x", "", path("client.pem"), path("client.key")))
                .find("needs an https://"),
            std::string::npos);
  EXPECT_NE(config_error(settings(https, "", path("missing.pem"), path("client.key")))
                .find("--order-service-cert-file"),
            std::string::npos);
  EXPECT_NE(config_error(settings(https, "", path("client.pem"), path("stranger.key")))
                .find("is it the key of --order-service-cert-file"),
            std::string::npos);
  EXPECT_EQ(config_error(settings(https, "", path("client.pem"), path("client.key"))), "accepted");
}

}  // namespace
}  // namespace paynotify::worker
