// paynotify-ingest against the real Kafka broker that tests/run.sh starts.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <array>
#include <future>
#include <map>
#include <thread>

#include "common/antom/antom_reply.hpp"
#include "tests/support/ingest_harness.hpp"
#include "tests/support/kafka_topic.hpp"
#include "tests/support/mock_kafka_cluster.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/wait.hpp"

namespace paynotify::testing {
namespace {

std::string signed_headers_text(const std::string& body, int key_index = 0,
                                const std::string& version = "1",
                                const std::string& uri = kNotifyPath) {
  const auto h = sign_notification(test_key(key_index).private_key.get(), uri, kClientId,
                                   "1700000000000", body, version);
  std::string out;
  for (const auto& [name, value] : h.as_list()) out += name + ": " + value + "\r\n";
  return out;
}

TEST(IngestKafka, ASignedNotificationLandsWithRawBytesKeyAndHeaders) {
  const std::string topic = fresh_topic("lands");
  IngestHarness ingest(kafka_brokers(), topic);
  // Unusual but valid bytes: spacing and unicode escapes must survive byte for byte.
  const std::string body =
      R"({ "notifyType":"CAPTURE_RESULT", "captureAmount":{"currency":"SGD","value":"4200"},)"
      R"("captureId":"cap-1","captureRequestId":"cr-\u00e9","paymentId":"pay-raw-1",)"
      R"("result":{"resultCode":"SUCCESS","resultMessage":"s","resultStatus":"S"}}  )";
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const auto reply = raw_exchange(
      ingest.port(),
      post_request(kNotifyPath, signed_headers_text(body) + "traceparent: " + traceparent + "\r\n",
                   body));
  ASSERT_EQ(reply.status, 200u) << reply.text;
  EXPECT_NE(reply.text.find(std::string(kAntomSuccessBody)), std::string::npos);

  // Acknowledged means durable: the record is readable right away, with no wait for a flush.
  const auto records = read_topic(topic, 1);
  ASSERT_EQ(records.size(), 1u);
  const auto& r = records[0];
  EXPECT_EQ(r.value, body);
  EXPECT_EQ(r.key, "pay-raw-1");
  EXPECT_EQ(r.headers.at("antom-client-id"), kClientId);
  EXPECT_EQ(r.headers.at("antom-request-time"), "1700000000000");
  EXPECT_EQ(r.headers.at("antom-request-uri"), kNotifyPath);
  EXPECT_EQ(r.headers.at("notify-type"), "CAPTURE_RESULT");
  EXPECT_EQ(r.headers.at("traceparent"), traceparent);
  EXPECT_EQ(r.headers.at("ingest-id").size(), 32u);
  EXPECT_FALSE(r.headers.at("antom-signature").empty());
  EXPECT_GT(std::stoll(r.headers.at("received-at")), 1700000000000);
  EXPECT_EQ(ingest.metrics().requests(ingest::Outcome::acknowledged).Value(), 1);
}

TEST(IngestKafka, SamePaymentSamePartitionInOrder) {
  const std::string topic = fresh_topic("order", 6);
  IngestHarness ingest(kafka_brokers(), topic);
  ASSERT_EQ(ingest.send(payment_result_body("pay-order-1", "F")), 200u);
  ASSERT_EQ(ingest.send(payment_result_body("pay-order-1", "S")), 200u);
  const auto records = read_topic(topic, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].partition, records[1].partition);
  EXPECT_LT(records[0].offset, records[1].offset);
}

TEST(IngestKafka, ManyConcurrentSendersAreAllAcknowledgedAndStored) {
  const std::string topic = fresh_topic("concurrent", 6);
  IngestHarness ingest(kafka_brokers(), topic);
  std::vector<std::future<unsigned>> sends;
  for (int i = 0; i < 200; ++i) {
    sends.push_back(std::async(std::launch::async, [&ingest, i] {
      return ingest.send(payment_result_body("pay-c-" + std::to_string(i)));
    }));
  }
  for (auto& f : sends) EXPECT_EQ(f.get(), 200u);
  EXPECT_EQ(read_topic(topic, 200, std::chrono::seconds(20)).size(), 200u);
}

// Promise 2: a verified body is acknowledged and stored whatever it holds.
TEST(IngestKafka, VerifiedBodiesAreStoredWhateverTheyHold) {
  const std::string topic = fresh_topic("anybody");
  IngestHarness ingest(kafka_brokers(), topic);
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {kDisputeCreatedBody, "DISPUTE"},
      {R"({"notifyType":"REFUND_RESULT","refundStatus":"SUCCESS","refundRequestId":"rr-x"})",
       "REFUND_RESULT"},
      {"{\"notifyType\":", "UNKNOWN"},
  };
  for (const auto& [body, kind] : bodies) {
    const auto reply =
        raw_exchange(ingest.port(), post_request(kNotifyPath, signed_headers_text(body), body));
    EXPECT_EQ(reply.status, 200u) << body << ": " << reply.text;
    EXPECT_NE(reply.text.find(std::string(kAntomSuccessBody)), std::string::npos);
  }
  const auto records = read_topic(topic, bodies.size());
  ASSERT_EQ(records.size(), bodies.size());
  std::map<std::string, std::string> kind_of;
  for (const auto& r : records) kind_of[r.value] = r.headers.at("notify-type");
  for (const auto& [body, kind] : bodies) EXPECT_EQ(kind_of[body], kind) << body;
}

struct BadInput {
  std::string name;
  std::string request;  // raw HTTP
  unsigned status;
  std::chrono::milliseconds pause{0};
};

TEST(IngestKafka, BadInputGetsItsStatusPublishesNothingAndTheServerGoesOn) {
  const std::string topic = fresh_topic("bad");
  auto limits = IngestHarness::default_limits();
  limits.max_body_bytes = 4096;
  limits.header_timeout = std::chrono::milliseconds(300);
  IngestHarness ingest(kafka_brokers(), topic, limits);
  const std::string good = payment_result_body("pay-bad-1");
  const std::string big = "{\"notifyType\":\"X\",\"pad\":\"" + std::string(5000, 'a') + "\"}";
  const std::string headers_no_sig =
      "Content-Type: application/json\r\nclient-id: SANDBOX_TEST\r\nrequest-time: 1\r\n";
  std::string tampered = good;
  tampered.replace(tampered.find("4200"), 4, "9999");

  const std::vector<BadInput> cases = {
      {"forged body", post_request(kNotifyPath, signed_headers_text(good), tampered), 401},
      {"other key", post_request(kNotifyPath, signed_headers_text(good, 1), good), 401},
      {"unknown key version", post_request(kNotifyPath, signed_headers_text(good, 0, "7"), good),
       401},
      {"missing signature", post_request(kNotifyPath, headers_no_sig, good), 401},
      {"missing all antom headers",
       post_request(kNotifyPath, "Content-Type: application/json\r\n", good), 401},
      {"oversize declared", post_request(kNotifyPath, signed_headers_text(big), big), 413},
      {"oversize chunked",
       "POST " + std::string(kNotifyPath) +
           " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" + signed_headers_text(big) +
           "\r\n" + "1388\r\n" + big.substr(0, 5000) + "\r\n0\r\n\r\n",
       413},
      {"wrong method", get_request(kNotifyPath), 405},
      {"wrong path", post_request("/other", signed_headers_text(good, 0, "1", "/other"), good),
       404},
      {"wrong content type",
       post_request(
           kNotifyPath,
           "Content-Type: text/plain\r\n" +
               signed_headers_text(good).substr(signed_headers_text(good).find("\r\n") + 2),
           good),
       415},
      {"garbage request line", "HELLO\r\n\r\n", 400},
      // Transfer-Encoding other than exactly chunked: a proxy may read such a body differently
      // (request smuggling), so it is refused before the body is read, and the connection closed.
      {"TE chunked, identity (body smuggled as a 2nd request)",
       "POST " + std::string(kNotifyPath) +
           " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n" +
           signed_headers_text(good) + "\r\n" +
           post_request(kNotifyPath, signed_headers_text(good), good),
       400},
      {"TE xchunked with a length",
       "POST " + std::string(kNotifyPath) +
           " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\nContent-Length: " +
           std::to_string(good.size()) + "\r\n" + signed_headers_text(good) + "\r\n" + good,
       501},
      {"TE gzip, chunked",
       "POST " + std::string(kNotifyPath) +
           " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n" +
           signed_headers_text(good) + "\r\n" + "5\r\nhello\r\n0\r\n\r\n",
       400},
      {"slow headers",
       "POST " + std::string(kNotifyPath) +
           " HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(40, 'a'),
       0, std::chrono::milliseconds(20)},
  };
  for (const auto& c : cases) {
    const auto reply = raw_exchange(ingest.port(), c.request, std::chrono::seconds(5), c.pause);
    EXPECT_EQ(reply.status, c.status) << c.name << ": " << reply.text;
    if (c.status != 0) {
      EXPECT_NE(reply.text.find("\"resultStatus\":\"F\""), std::string::npos) << c.name;
    }
  }
  EXPECT_TRUE(read_topic(topic, 1, std::chrono::seconds(2)).empty())
      << "nothing that failed a check is published";
  // Still serving.
  ASSERT_EQ(ingest.send(good), 200u);
  EXPECT_EQ(read_topic(topic, 2, std::chrono::seconds(3)).size(), 1u);
  EXPECT_EQ(ingest.metrics().requests(ingest::Outcome::unverified).Value(), 5);
  EXPECT_EQ(ingest.metrics().requests(ingest::Outcome::too_large).Value(), 2);
  EXPECT_EQ(ingest.metrics().requests(ingest::Outcome::unknown_transfer_coding).Value(), 1);
}

// A client that sends `Expect: 100-continue` gets `100 Continue` as soon as the head passes
// the checks, then its answer; a head that fails them gets the final answer at once.
TEST(IngestKafka, ExpectContinueIsAnsweredBeforeTheBody) {
  const std::string topic = fresh_topic("expect");
  IngestHarness ingest(kafka_brokers(), topic);
  namespace net = boost::asio;
  net::io_context ctx;
  const auto exchange_head = [&](const std::string& target, const std::string& body,
                                 std::string& seen) {
    net::ip::tcp::socket socket(ctx);
    socket.connect({net::ip::make_address("127.0.0.1"), ingest.port()});
    const std::string head = "POST " + target +
                             " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nConnection: close\r\n" +
                             signed_headers_text(body, 0, "1", target) + "\r\n";
    net::write(socket, net::buffer(head));
    // Only the head is sent: a server that waits for the body answers nothing here.
    std::array<char, 4096> buf{};
    boost::system::error_code ec;
    socket.non_blocking(false);
    const timeval tv{3, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::size_t n = socket.read_some(net::buffer(buf), ec);
    seen.assign(buf.data(), ec ? 0 : n);
    if (seen.rfind("HTTP/1.1 100", 0) == 0) {
      net::write(socket, net::buffer(body));
      std::string rest;
      for (;;) {
        const std::size_t m = socket.read_some(net::buffer(buf), ec);
        if (ec) break;
        rest.append(buf.data(), m);
      }
      seen += rest;
    }
  };
  const std::string body = payment_result_body("pay-expect-1");
  std::string seen;
  exchange_head(kNotifyPath, body, seen);
  EXPECT_EQ(seen.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << seen;
  EXPECT_NE(seen.find("HTTP/1.1 200"), std::string::npos) << seen;
  exchange_head("/elsewhere", body, seen);
  EXPECT_EQ(seen.rfind("HTTP/1.1 404", 0), 0u) << "the final answer at once, no 100: " << seen;
  EXPECT_EQ(read_topic(topic, 2, std::chrono::seconds(3)).size(), 1u);
}

// A body far over the limit, sent without `Expect`: the 413 goes out after the head, and the
// ingest reads and discards the rest (lingering close by time, not by size), so the client's
// whole body is taken and it reads its answer. (Discarding at most 1 MiB, the ingest closed
// with bytes unread: the client's write failed with a reset, as curl reports it.)
TEST(IngestKafka, AnOversizeBodySentWithoutExpectStillReadsIts413) {
  IngestHarness ingest(kafka_brokers(), fresh_topic("linger"));
  namespace net = boost::asio;
  net::io_context ctx;
  net::ip::tcp::socket socket(ctx);
  socket.connect({net::ip::make_address("127.0.0.1"), ingest.port()});
  const std::string body(4u << 20, 'a');
  boost::system::error_code ec;
  net::write(socket, net::buffer(post_request(kNotifyPath, signed_headers_text(body), body)), ec);
  EXPECT_FALSE(ec) << "the whole body is read, not reset: " << ec.message();
  const timeval tv{5, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::array<char, 4096> buf{};
  std::string seen;
  for (std::size_t n = 0; !ec; seen.append(buf.data(), n))
    n = socket.read_some(net::buffer(buf), ec);
  EXPECT_EQ(seen.rfind("HTTP/1.1 413", 0), 0u) << seen.substr(0, 200);
  EXPECT_EQ(ingest.metrics().requests(ingest::Outcome::too_large).Value(), 1);
}

// The lingering is bounded: a client that keeps sending is closed after lingering_time in all,
// one that goes quiet after lingering_timeout; each has read its 413 first. (The client sees
// the close as a write that fails: the ingest half-closed right after its answer.)
TEST(IngestKafka, ALingeringClientIsClosedAfterTheLingeringTime) {
  auto limits = IngestHarness::default_limits();
  limits.lingering_time = std::chrono::milliseconds(3000);
  limits.lingering_timeout = std::chrono::milliseconds(300);
  IngestHarness ingest(kafka_brokers(), fresh_topic("linger-bound"), limits);
  namespace net = boost::asio;
  net::io_context ctx;
  // Sends a head declaring 100 MiB; after `quiet`, 1 KiB every 20 ms until a write fails.
  // Returns how long the connection took writes.
  const auto closed_after = [&](std::chrono::milliseconds quiet, std::string& seen) {
    net::ip::tcp::socket socket(ctx);
    socket.connect({net::ip::make_address("127.0.0.1"), ingest.port()});
    const auto started = std::chrono::steady_clock::now();
    net::write(socket, net::buffer("POST " + std::string(kNotifyPath) +
                                   " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                   "Content-Length: 104857600\r\n\r\n"));
    socket.non_blocking(true);
    const std::string chunk(1024, 'a');
    std::array<char, 4096> buf{};
    while (std::chrono::steady_clock::now() - started < std::chrono::seconds(10)) {
      boost::system::error_code ec;
      if (std::chrono::steady_clock::now() - started >= quiet) {
        net::write(socket, net::buffer(chunk), ec);
        if (ec && ec != net::error::would_block) break;  // closed by the ingest
      }
      const std::size_t n = socket.read_some(net::buffer(buf), ec);
      if (!ec) seen.append(buf.data(), n);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::chrono::steady_clock::now() - started;
  };
  std::string seen;
  const auto sending = closed_after(std::chrono::milliseconds(0), seen);
  EXPECT_EQ(seen.rfind("HTTP/1.1 413", 0), 0u) << seen;
  EXPECT_GE(sending, limits.lingering_time) << "read and discarded until lingering_time";
  EXPECT_LT(sending, std::chrono::seconds(8)) << "closed once lingering_time is over";
  seen.clear();
  const auto quiet = closed_after(std::chrono::milliseconds(1000), seen);
  EXPECT_EQ(seen.rfind("HTTP/1.1 413", 0), 0u) << seen;
  EXPECT_LT(quiet, limits.lingering_time) << "closed once nothing came for lingering_timeout";
}

TEST(IngestKafka, KeepAliveServesSeveralRequestsOnOneConnection) {
  const std::string topic = fresh_topic("keepalive");
  IngestHarness ingest(kafka_brokers(), topic);
  std::string pipeline;
  for (int i = 0; i < 3; ++i) {
    const std::string body = payment_result_body("pay-ka-" + std::to_string(i));
    pipeline += "POST " + std::string(kNotifyPath) + " HTTP/1.1\r\nHost: x\r\n" +
                signed_headers_text(body) + "Content-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body;
  }
  const auto reply = raw_exchange(ingest.port(), pipeline, std::chrono::milliseconds(3000));
  std::size_t acks = 0;
  for (auto pos = reply.text.find("HTTP/1.1 200"); pos != std::string::npos;
       pos = reply.text.find("HTTP/1.1 200", pos + 1))
    ++acks;
  EXPECT_EQ(acks, 3u) << reply.text;
}

// Slowloris: a client holds every connection slot by sending its heads a byte at a time. At
// the cap, the connection that has waited longest for its head makes room for the new one.
TEST(IngestKafka, SlowClientsAtTheCapMakeRoomForGenuineRequests) {
  const std::string topic = fresh_topic("cap");
  auto limits = IngestHarness::default_limits();
  limits.max_connections = 20;
  limits.header_timeout = std::chrono::milliseconds(8000);
  IngestHarness ingest(kafka_brokers(), topic, limits);
  std::vector<std::future<RawReply>> slow;
  for (int i = 0; i < 40; ++i) {  // twice the cap, each dribbling a head at 5 bytes/s
    slow.push_back(std::async(std::launch::async, [&] {
      return raw_exchange(
          ingest.port(),
          "POST /notifications/antom HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          std::chrono::milliseconds(6000), std::chrono::milliseconds(200));
    }));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int acknowledged = 0;
  for (int i = 0; i < 10; ++i) {
    if (ingest.send(payment_result_body("pay-cap-" + std::to_string(i))) == 200) ++acknowledged;
  }
  EXPECT_EQ(acknowledged, 10) << "genuine requests got through while slow clients held the cap";
  EXPECT_GE(ingest.metrics().evicted_connections.Value(), 10);
  for (auto& f : slow) f.get();
  EXPECT_EQ(read_topic(topic, 10, std::chrono::seconds(5)).size(), 10u);
}

// The same in the body: a head that passed its checks (no signature needed) and then a body
// that does not come held its slot for the whole body timeout. Now the slowest reader goes.
TEST(IngestKafka, AConnectionStuckInItsBodyIsEvictedAtTheCap) {
  const std::string topic = fresh_topic("cap-body");
  auto limits = IngestHarness::default_limits();
  limits.max_connections = 1;
  limits.body_timeout = std::chrono::milliseconds(4000);
  limits.min_body_bytes_per_s = 0;  // the cap alone
  IngestHarness ingest(kafka_brokers(), topic, limits);
  const std::string body = payment_result_body("pay-cap-body");
  const std::string request = post_request(kNotifyPath, "Content-Type: application/json\r\n", body);
  const std::string head = request.substr(0, request.size() - body.size());
  const auto started = std::chrono::steady_clock::now();
  auto stuck = std::async(std::launch::async, [&] {
    return raw_exchange(ingest.port(), head, std::chrono::milliseconds(3000));
  });
  ASSERT_TRUE(wait_until([&] { return ingest.metrics().open_connections.Value() == 1; },
                         std::chrono::seconds(2)));
  EXPECT_EQ(ingest.send(payment_result_body("pay-cap-body-2")), 200u)
      << "a genuine request waited behind a stuck body";
  EXPECT_EQ(stuck.get().status, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500))
      << "the stuck body kept its slot";
  EXPECT_EQ(ingest.metrics().evicted_connections.Value(), 1);
  EXPECT_EQ(ingest.metrics().refused_connections.Value(), 0);
}

TEST(IngestKafka, ABodySlowerThanTheMinimumRateIsClosedBeforeItsTimeout) {
  const std::string topic = fresh_topic("slow-body");
  auto limits = IngestHarness::default_limits();
  limits.body_timeout = std::chrono::milliseconds(8000);
  limits.min_body_bytes_per_s = 1024;
  IngestHarness ingest(kafka_brokers(), topic, limits);
  EXPECT_EQ(ingest.send(payment_result_body("pay-body-on-time")), 200u);
  // A head, 40 bytes of its body, then nothing: due after the 1 s grace, not the 8 s timeout.
  const std::string body = payment_result_body("pay-slow-body");
  const std::string request = post_request(kNotifyPath, "Content-Type: application/json\r\n", body);
  const std::string stalled = request.substr(0, request.size() - body.size() + 40);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(raw_exchange(ingest.port(), stalled, std::chrono::milliseconds(7000)).status, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(4000))
      << "a body that stopped after 40 bytes kept its connection until the body timeout";
  // The deadline closes the socket first; the connection's coroutine counts it when it resumes,
  // after the client may already have seen the close (CI under ASan looked before it had).
  EXPECT_TRUE(wait_until([&] { return ingest.metrics().slow_bodies.Value() == 1; },
                         std::chrono::seconds(2)))
      << ingest.metrics().slow_bodies.Value();
}

TEST(IngestKafka, OneSourceHoldsOnlyItsShareOfTheSlots) {
  const std::string topic = fresh_topic("per-source");
  auto limits = IngestHarness::default_limits();
  limits.max_connections_per_source = 2;
  limits.header_timeout = std::chrono::milliseconds(3000);
  IngestHarness ingest(kafka_brokers(), topic, limits);
  std::vector<std::future<RawReply>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::async(std::launch::async, [&] {
      return raw_exchange(ingest.port(), "POST /notifications/antom HTTP/1.1\r\n",
                          std::chrono::milliseconds(1500));
    }));
  }
  ASSERT_TRUE(wait_until([&] { return ingest.metrics().open_connections.Value() == 2; },
                         std::chrono::seconds(2)));
  const auto third = raw_exchange(ingest.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                                  std::chrono::milliseconds(500));
  EXPECT_EQ(third.status, 0u) << third.text;
  EXPECT_EQ(ingest.metrics().refused_per_source.Value(), 1);
  for (auto& f : held) f.get();
  ASSERT_TRUE(wait_until([&] { return ingest.metrics().open_connections.Value() == 0; },
                         std::chrono::seconds(5)));
  EXPECT_EQ(ingest.send(payment_result_body("pay-per-source")), 200u)
      << "slots held by a source were not given back";
}

// Ready (/readyz: the topic served; the reachable gauge) with the real broker; not ready once
// the broker is gone, and ready again when it is back. The shared broker cannot go for this
// test alone, so librdkafka's mock cluster's broker goes down instead.
TEST(IngestKafka, ReadinessFollowsTheBroker) {
  const auto ready = [](KafkaProducer& p) { return p.reachable() && p.topic_served(); };
  const auto not_ready = [](KafkaProducer& p) { return !p.reachable() && !p.topic_served(); };
  // Each look at the broker takes up to 4 s when it is away, and three make it not served.
  constexpr auto kLooks = std::chrono::seconds(30);
  {
    IngestHarness ingest(kafka_brokers(), fresh_topic("ready"));
    EXPECT_TRUE(wait_until([&] { return ready(ingest.producer()); }, kLooks));
  }
  MockKafkaCluster cluster;
  rd_kafka_mock_topic_create(cluster.get(), "mock.ready", 1, 1);
  IngestHarness ingest(cluster.bootstraps(), "mock.ready", IngestHarness::default_limits(),
                       {{"log_level", "0"}});
  ASSERT_TRUE(wait_until([&] { return ready(ingest.producer()); }, kLooks));
  rd_kafka_mock_broker_set_down(cluster.get(), 1);
  EXPECT_TRUE(wait_until([&] { return not_ready(ingest.producer()); }, kLooks))
      << "reachable " << ingest.producer().reachable() << ", topic served "
      << ingest.producer().topic_served() << " with the broker gone";
  rd_kafka_mock_broker_set_up(cluster.get(), 1);
  EXPECT_TRUE(wait_until([&] { return ready(ingest.producer()); }, kLooks));
}

}  // namespace
}  // namespace paynotify::testing
