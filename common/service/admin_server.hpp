#pragma once
// The admin port: /healthz (the process answers), /readyz (its dependencies are reachable),
// /metrics (Prometheus text). Its own thread, so a saturated data port cannot starve probes.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/service/metrics.hpp"

namespace paynotify {

struct AdminAnswer {
  unsigned status;
  std::string content_type;
  std::string body;
};

// Pure routing, for tests: GET/HEAD only.
AdminAnswer admin_answer(std::string_view method, std::string_view target, bool ready,
                         const MetricsRegistry& metrics);

class AdminServer {
 public:
  AdminServer(std::string host, uint16_t port, const MetricsRegistry& metrics,
              std::function<bool()> ready);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  void start();  // throws ConfigError naming --admin-listen when it cannot listen there
  void stop();
  uint16_t port() const { return port_; }

 private:
  std::string host_;
  uint16_t port_;
  const MetricsRegistry& metrics_;
  std::function<bool()> ready_;
  boost::asio::io_context ctx_{1};
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread thread_;
};

}  // namespace paynotify
