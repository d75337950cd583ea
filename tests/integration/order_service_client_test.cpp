// The worker's order-service client against the reference order service, over HTTP and over
// TLS with certificates made here: the server's verified against its CA (and refused without
// it), and mutual TLS (the client's certificate accepted; no or a stranger's refused).
#include "worker/order_service_client.hpp"
#include "common/net/name_resolution.hpp"

#include <gtest/gtest.h>

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "common/service/ids.hpp"
#include "tests/support/apply_results.hpp"
#include "tests/support/child_process.hpp"

namespace paynotify::worker {
namespace {

using paynotify::testing::body_of;
using paynotify::testing::failure_of;
using paynotify::testing::status_of;

namespace net = boost::asio;
using paynotify::testing::ChildProcess;

ApplyResult call_once(OrderServiceSettings settings, OrderCall call) {
  net::io_context ctx;
  OrderServiceClient client(ctx.get_executor(), std::move(settings));
  auto result = net::co_spawn(ctx, client.apply(std::make_shared<const OrderCall>(std::move(call))),
                              net::use_future);
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
        "cd " + d +
        " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 "
        "-subj /CN=paynotify-test-ca >/dev/null 2>&1 && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "
        "/CN=127.0.0.1 >/dev/null 2>&1 && "
        "printf 'subjectAltName=IP:127.0.0.1' > san.ext && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem "
        "-days 1 "
        "-extfile san.ext >/dev/null 2>&1 && "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "
        "/CN=paynotify-worker >/dev/null 2>&1 && "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem "
        "-days 1 >/dev/null 2>&1 && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout stranger.key -out stranger.pem -days 1 "
        "-subj /CN=stranger >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }

  void start_service(std::vector<std::string> extra = {}) {
    port_ = testing::free_port();
    std::vector<std::string> argv = {PAYNOTIFY_ORDER_SERVICE_BIN, "--listen",
                                     "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    service_ = std::make_unique<ChildProcess>(argv, path("service.log"));
    ASSERT_TRUE(testing::wait_for_port(port_, std::chrono::seconds(10)))
        << "reference order service did not start";
  }

  // HTTPS that requires a client certificate signed by the test CA.
  void start_mutual_tls_service() {
    make_certificates();
    start_service({"--tls-cert", path("server.pem"), "--tls-key", path("server.key"),
                   "--tls-client-ca", path("ca.pem")});
  }
  std::string https_url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  OrderCall call(const std::string& key) const {
    return {key, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            R"({"eventId":")" + key + R"(","type":"PAYMENT_AUTHORIZED","paymentId":"p-)" + key +
                R"("})"};
  }

  std::filesystem::path dir_;
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> service_;
};

TEST_F(OrderServiceClientTest, PlainHttpAppliesOnceThenAnswers409) {
  start_service();
  OrderServiceSettings s;
  s.url = "http://127.0.0.1:" + std::to_string(port_) + "/";
  EXPECT_EQ(status_of(call_once(s, call("k1"))), 200u);
  EXPECT_EQ(status_of(call_once(s, call("k1"))), 409u);  // the Idempotency-Key was remembered
}

// A burst opens --concurrency connections at once; by name, they share one resolution (the
// resolutions waiting at once are capped at 16, and a call past the cap failed: the benchmark's
// worker opened its circuit breaker on it).
TEST_F(OrderServiceClientTest, ABurstOfNewConnectionsToANameSharesOneResolution) {
  start_service();
  net::io_context ctx;
  OrderServiceClient client(ctx.get_executor(),
                            settings("http://localhost:" + std::to_string(port_)));
  const uint64_t resolutions_before = NameResolution::started_total();
  std::vector<std::future<ApplyResult>> answers;
  for (int i = 0; i < 48; ++i) {
    answers.push_back(net::co_spawn(
        ctx, client.apply(std::make_shared<const OrderCall>(call("burst-" + std::to_string(i)))),
        net::use_future));
  }
  ctx.run();
  for (auto& answer : answers) {
    const ApplyResult r = answer.get();
    EXPECT_EQ(status_of(r), 200u) << failure_of(r);
  }
  EXPECT_EQ(NameResolution::started_total() - resolutions_before, 1u);
}

TEST_F(OrderServiceClientTest, TlsVerifiesTheServerAgainstTheGivenCa) {
  make_certificates();
  start_service({"--tls-cert", path("server.pem"), "--tls-key", path("server.key")});
  OrderServiceSettings s;
  s.url = "https://127.0.0.1:" + std::to_string(port_);
  s.ca_file = path("ca.pem");
  const auto ok = call_once(s, call("k2"));
  EXPECT_EQ(status_of(ok), 200u) << failure_of(ok);
}

TEST_F(OrderServiceClientTest, TlsRefusesACertificateItCannotVerify) {
  make_certificates();
  start_service({"--tls-cert", path("server.pem"), "--tls-key", path("server.key")});
  OrderServiceSettings s;
  s.url = "https://127.0.0.1:" + std::to_string(port_);  // system CAs do not know the test CA
  const auto refused = call_once(s, call("k3"));
  EXPECT_EQ(status_of(refused), 0u);
  EXPECT_NE(failure_of(refused).find("TLS handshake failed"), std::string::npos)
      << failure_of(refused);
}

TEST_F(OrderServiceClientTest, MutualTlsPresentsTheClientCertificate) {
  start_mutual_tls_service();
  const auto ok = call_once(
      settings(https_url(), path("ca.pem"), path("client.pem"), path("client.key")), call("k5"));
  EXPECT_EQ(status_of(ok), 200u) << failure_of(ok);
}

TEST_F(OrderServiceClientTest, MutualTlsRefusesAClientWithoutACertificateItsCaSigned) {
  start_mutual_tls_service();
  OrderServiceSettings s = settings(https_url(), path("ca.pem"));
  const auto without = call_once(s, call("k6"));
  EXPECT_EQ(status_of(without), 0u);
  EXPECT_FALSE(failure_of(without).empty());
  EXPECT_EQ(classify(without), ErrorClass::transient)
      << "retried: a certificate put right fixes it";
  s.cert_file = path("stranger.pem");
  s.key_file = path("stranger.key");
  const auto stranger = call_once(s, call("k7"));
  EXPECT_EQ(status_of(stranger), 0u);
  EXPECT_FALSE(failure_of(stranger).empty());
  s.cert_file = path("client.pem");
  s.key_file = path("client.key");
  EXPECT_EQ(status_of(call_once(s, call("k6"))), 200u)
      << "k6 was never applied: refused before the request";
}

// One name rule for both TLS clients (tls_peer_name.hpp): the subject's CN never stands in
// for a SAN. A certificate for "localhost" in its CN alone is refused; in a DNS SAN, accepted.
TEST_F(OrderServiceClientTest, TlsTakesTheHostFromTheSansNeverFromTheCommonName) {
  make_certificates();
  const std::string d = dir_.string();
  const auto issue = [&](const std::string& name, const std::string& extension) {
    const std::string cmd = "cd " + d + " && openssl req -newkey rsa:2048 -nodes -keyout " + name +
                            ".key -out " + name +
                            ".csr -subj /CN=localhost >/dev/null 2>&1 && printf '" + extension +
                            "' > " + name + ".ext && openssl x509 -req -in " + name +
                            ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -out " + name +
                            ".pem -days 1 -extfile " + name + ".ext >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  };
  issue("cn-only", "basicConstraints=CA:FALSE");
  issue("san", "subjectAltName=DNS:localhost");
  start_service({"--tls-cert", path("cn-only.pem"), "--tls-key", path("cn-only.key")});
  const std::string url = "https://localhost:" + std::to_string(port_);
  const auto refused = call_once(settings(url, path("ca.pem")), call("k8"));
  EXPECT_EQ(status_of(refused), 0u) << "a certificate naming the host in its CN only was accepted";
  EXPECT_NE(failure_of(refused).find("TLS handshake failed"), std::string::npos)
      << failure_of(refused);
  service_.reset();
  start_service({"--tls-cert", path("san.pem"), "--tls-key", path("san.key")});
  const auto accepted =
      call_once(settings("https://localhost:" + std::to_string(port_), path("ca.pem")), call("k9"));
  EXPECT_EQ(status_of(accepted), 200u) << failure_of(accepted);
}

TEST_F(OrderServiceClientTest, AnUnreachableServiceIsATransportError) {
  OrderServiceSettings s;
  s.url = "http://127.0.0.1:" + std::to_string(testing::free_port());
  const auto r = call_once(s, call("k4"));
  EXPECT_EQ(status_of(r), 0u);
  EXPECT_FALSE(failure_of(r).empty());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, OrderCallError::unreachable) << r.error().code.message();
  EXPECT_EQ(classify(r), ErrorClass::transient);
}

// A server that answers each request it reads with the next scripted bytes, for answers the
// reference order service never gives: interim 1xx answers, a second answer nobody asked for.
// Counts the connections and the requests it saw.
class ScriptedOrderService {
 public:
  struct Answer {
    std::string now;     // written once the request is read
    std::string later;   // written 100 ms after, on the same connection ("" for none)
    bool close = false;  // then the connection is closed, as a server does with an idle one
  };
  explicit ScriptedOrderService(std::vector<Answer> answers)
      : answers_(std::move(answers)), acceptor_(ctx_, {net::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedOrderService() {
    stopping_ = true;
    net::ip::tcp::socket wake(ctx_);  // a blocked accept() returns for this connection
    boost::system::error_code ignored;
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int connections() const { return connections_.load(); }
  // Until `n` late answers have been written (each `later`), at most 5 s.
  void wait_for_late_answers(int n) const {
    for (int i = 0; i < 500 && late_written_.load() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<std::string> idempotency_keys() const {
    std::lock_guard lock(mu_);
    return keys_;
  }

 private:
  void serve() {
    std::vector<std::thread> sessions;
    for (;;) {
      boost::system::error_code ec;
      net::ip::tcp::socket socket(ctx_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) break;
      ++connections_;
      sessions.emplace_back([this, s = std::move(socket)]() mutable { session(s); });
    }
    for (auto& t : sessions) t.join();
  }
  void session(net::ip::tcp::socket& socket) {
    std::string buffer;
    for (;;) {
      boost::system::error_code ec;
      const std::size_t head_end =
          net::read_until(socket, net::dynamic_buffer(buffer), "\r\n\r\n", ec);
      if (ec) return;
      const std::string head = buffer.substr(0, head_end);
      const auto length_at = head.find("Content-Length: ");
      const std::size_t length =
          length_at == std::string::npos ? 0 : std::stoul(head.substr(length_at + 16));
      if (buffer.size() < head_end + length) {
        net::read(socket, net::dynamic_buffer(buffer),
                  net::transfer_exactly(head_end + length - buffer.size()), ec);
        if (ec) return;
      }
      buffer.erase(0, head_end + length);
      const auto key_at = head.find("Idempotency-Key: ");
      Answer answer;
      {
        std::lock_guard lock(mu_);
        if (key_at != std::string::npos)
          keys_.push_back(head.substr(key_at + 17, head.find("\r\n", key_at) - key_at - 17));
        if (next_ >= answers_.size()) return;
        answer = answers_[next_++];
      }
      net::write(socket, net::buffer(answer.now), ec);
      if (answer.close) {
        socket.close(ec);
        return;
      }
      if (!answer.later.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        net::write(socket, net::buffer(answer.later), ec);
        ++late_written_;
      }
    }
  }

  std::vector<Answer> answers_;
  net::io_context ctx_;
  net::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<int> late_written_{0};
  mutable std::mutex mu_;
  std::vector<std::string> keys_;
  std::size_t next_ = 0;
};

std::string answer(unsigned status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Two events through one client, as the engine sends them: each must get its own answer.
// `between` runs between them, on the client's thread (nothing else runs there meanwhile).
std::pair<ApplyResult, ApplyResult> two_calls(
    const std::string& url, const std::function<void()>& between = [] {}) {
  net::io_context ctx;
  OrderServiceClient client(ctx.get_executor(), settings(url));
  std::pair<ApplyResult, ApplyResult> out;
  // Named calls: GCC 12 destroys a temporary argument of a coroutine inside co_await twice.
  auto a = std::make_shared<const OrderCall>(OrderCall{"event-a", "", "{}"});
  auto b = std::make_shared<const OrderCall>(OrderCall{"event-b", "", "{}"});
  net::co_spawn(
      ctx,
      [&]() -> net::awaitable<void> {
        out.first = co_await client.apply(std::move(a));
        between();
        out.second = co_await client.apply(std::move(b));
      },
      net::detached);
  ctx.run();
  return out;
}

TEST(OrderServiceClientAnswers, InterimAnswersAreSkippedNotTakenForTheAnswer) {
  ScriptedOrderService service({
      {"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n" +
           answer(200, "for-a"),
       ""},
      {answer(201, "for-b"), ""},
  });
  const auto [a, b] = two_calls(service.url());
  EXPECT_EQ(status_of(a), 200u) << failure_of(a);
  EXPECT_EQ(body_of(a), "for-a");
  EXPECT_EQ(status_of(b), 201u) << failure_of(b);
  EXPECT_EQ(body_of(b), "for-b");
  EXPECT_EQ(service.connections(), 1) << "a connection whose answer was read in full is reused";
}

// The answer's framing is read whatever its form, and only the first 512 bytes of a body kept.
TEST(OrderServiceClientAnswers, AChunkedAnswerIsReadToItsEndAndItsBodyKeptUpTo512Bytes) {
  const std::string long_body(700, 'x');
  ScriptedOrderService service({
      {"HTTP/1.1 422 X\r\nTransfer-Encoding: chunked\r\nX-Trace: 1\r\n\r\n4\r\nwhy:\r\n2bc\r\n" +
           long_body + "\r\n0\r\n\r\n",
       ""},
      {answer(200, "for-b"), ""},
  });
  const auto [a, b] = two_calls(service.url());
  EXPECT_EQ(status_of(a), 422u) << failure_of(a);
  EXPECT_EQ(body_of(a), "why:" + std::string(508, 'x'));
  EXPECT_EQ(body_of(b), "for-b") << "the rest of the chunked body was taken for b's answer";
  EXPECT_EQ(service.connections(), 1) << "a connection whose answer was read in full is reused";
}

TEST(OrderServiceClientAnswers, AnAppliedAnswerWithALargeBodyIsAppliedAndItsConnectionReused) {
  ScriptedOrderService service(
      {{answer(200, std::string(1024 * 1024, 'y')), ""}, {answer(200, "for-b"), ""}});
  const auto [a, b] = two_calls(service.url());
  EXPECT_EQ(status_of(a), 200u) << failure_of(a);
  EXPECT_EQ(body_of(a), std::string(512, 'y'));
  EXPECT_EQ(body_of(b), "for-b") << failure_of(b);
  EXPECT_EQ(service.connections(), 1);
}

TEST(OrderServiceClientAnswers, AnAnswerThatClosesTheConnectionIsNotReused) {
  ScriptedOrderService service({
      {"HTTP/1.1 200 X\r\nConnection: close\r\nContent-Length: 5\r\n\r\nfor-a", ""},
      {answer(200, "for-b"), ""},
  });
  const auto [a, b] = two_calls(service.url());
  EXPECT_EQ(body_of(a), "for-a");
  EXPECT_EQ(body_of(b), "for-b") << failure_of(b);
  EXPECT_EQ(service.connections(), 2);
}

// A server closes an idle keep-alive connection when it likes: the call that finds it closed is
// made once more on a new connection, not failed.
TEST(OrderServiceClientAnswers, AConnectionTheServerClosedWhileIdleIsReplacedOnce) {
  ScriptedOrderService service({{answer(200, "for-a"), "", true}, {answer(200, "for-b"), ""}});
  const auto [a, b] = two_calls(service.url(), [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the close arrives meanwhile
  });
  EXPECT_EQ(body_of(a), "for-a");
  EXPECT_EQ(body_of(b), "for-b") << failure_of(b);
  EXPECT_EQ(service.connections(), 2);
}

// An answer that arrived but cannot be read is the service's answer, not a lost connection:
// the event is not POSTed again on another connection for it.
TEST(OrderServiceClientAnswers, AnUnreadableAnswerOnAPooledConnectionIsNotSentAgain) {
  ScriptedOrderService service({{answer(200, "for-a"), ""},
                                {"NOT HTTP AT ALL\r\n\r\n", ""},
                                {answer(200, "a second try"), ""}});
  const auto [a, b] = two_calls(service.url());
  EXPECT_EQ(body_of(a), "for-a");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, OrderCallError::bad_answer) << failure_of(b);
  EXPECT_EQ(service.idempotency_keys(), (std::vector<std::string>{"event-a", "event-b"}));
  EXPECT_EQ(service.connections(), 1);
}

TEST(OrderServiceClientAnswers, AConnectionWithBytesNobodyAskedForIsNotReused) {
  ScriptedOrderService service({
      {answer(200, "for-a") + answer(200, "unasked"), ""},  // two answers to one request
      {answer(200, "for-b"), ""},
  });
  const auto [a, b] = two_calls(service.url());
  EXPECT_EQ(body_of(a), "for-a");
  EXPECT_EQ(body_of(b), "for-b") << "event b took another request's answer";
  EXPECT_EQ(service.connections(), 2);
  EXPECT_EQ(service.idempotency_keys(), (std::vector<std::string>{"event-a", "event-b"}));
}

TEST(OrderServiceClientAnswers, ALateAnswerOnAnIdleConnectionIsNotTakenForTheNextEvent) {
  ScriptedOrderService service({
      {answer(200, "for-a"), answer(500, "unasked")},  // arrives while the connection is idle
      {answer(200, "for-b"), ""},
  });
  const auto [a, b] = two_calls(service.url(), [&] {
    service.wait_for_late_answers(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // on loopback, long since arrived
  });
  EXPECT_EQ(body_of(a), "for-a");
  EXPECT_EQ(status_of(b), 200u) << failure_of(b);
  EXPECT_EQ(body_of(b), "for-b") << "event b took the late answer";
  EXPECT_EQ(service.connections(), 2);
}

TEST(OrderServiceClientAnswers, AHeaderValueWithACrLfIsNeverSent) {
  ScriptedOrderService service({{answer(200, "applied"), ""}});
  const auto r = call_once(settings(service.url()),
                           OrderCall{"P1\r\n\r\nPOST /internal/refund HTTP/1.1", "", "{}"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, OrderCallError::unsendable);
  EXPECT_EQ(classify(r), ErrorClass::permanent) << describe(r);
  EXPECT_EQ(service.connections(), 0);
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
  EXPECT_NE(config_error(settings(https, "", path("client.pem"))).find("go together"),
            std::string::npos);
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
