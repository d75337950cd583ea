#pragma once
// The notification listener: Boost.Beast HTTP/1.1 with keep-alive, one io_context per thread,
// every read under a size and time limit. Decisions are NotificationIntake's; this only moves
// bytes and waits for delivery reports.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/kafka/publisher.hpp"
#include "ingest/ingest_metrics.hpp"
#include "ingest/notification_intake.hpp"

namespace paynotify::ingest {

struct ServerLimits {
  std::string host = "0.0.0.0";
  uint16_t port = 8080;
  int threads = 2;
  int max_connections = 1024;
  int max_connections_per_source = 256;     // 0: no cap per source address
  std::size_t min_body_bytes_per_s = 1024;  // a slower body is closed; 0: the body timeout alone
  std::chrono::milliseconds min_rate_grace{1000};  // before the minimum rate applies
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10000};  // also the keep-alive idle limit
  std::chrono::milliseconds body_timeout{10000};
  std::chrono::milliseconds ack_timeout{5000};  // longest wait for a delivery report
  // After an answer given before the body was read (413, a bad head), what the client still
  // sends is read and discarded, however much, for at most lingering_time in all and until
  // nothing came for lingering_timeout (nginx's lingering close), so that it reads the answer
  // instead of a reset. The connection still counts against the caps meanwhile.
  std::chrono::milliseconds lingering_time{5000};
  std::chrono::milliseconds lingering_timeout{1000};
};

class IngestServer {
 public:
  IngestServer(ServerLimits limits, const NotificationIntake& intake, Publisher& publisher,
               IngestMetrics& metrics);
  ~IngestServer();
  IngestServer(const IngestServer&) = delete;
  IngestServer& operator=(const IngestServer&) = delete;

  // Binds (throws std::system_error naming the address) and starts the threads.
  void start();
  uint16_t port() const { return bound_port_; }

  // Stops accepting, lets in-flight requests finish for up to `grace`, then stops the threads.
  // Returns the number of requests still in flight when it gave up (0 on a clean drain).
  int64_t drain_and_stop(std::chrono::milliseconds grace);

  struct Shared;  // state the connection coroutines hold on to

 private:
  std::shared_ptr<Shared> shared_;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  uint16_t bound_port_ = 0;
  bool stopped_ = false;
};

}  // namespace paynotify::ingest
