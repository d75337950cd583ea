#include "tests/support/antom_simulator.hpp"

#include <boost/json/parse.hpp>

#include <fstream>
#include <stdexcept>

#include "tests/support/raw_http.hpp"
#include "tests/support/test_keys.hpp"
#include "tests/support/wait.hpp"

namespace paynotify::testing {

namespace {

std::string written(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

std::string body_of(const RawReply& reply) {
  const auto at = reply.text.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : reply.text.substr(at + 4);
}

}  // namespace

AntomSimulator::AntomSimulator(const std::string& dir, const std::string& client_id)
    : port_(free_port()),
      merchant_key_file_(written(dir + "/merchant-private.pem", test_key(2).pair.private_pem)),
      log_file_(dir + "/antom-simulator.log") {
  const std::string antom_key = written(dir + "/antom-private.pem", test_key(0).pair.private_pem);
  const std::string merchant_public =
      written(dir + "/merchant-public.pem", test_key(2).pair.public_pem);
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{PAYNOTIFY_ANTOM_SIMULATOR_BIN, "--listen",
                               "127.0.0.1:" + std::to_string(port_), "--client-id", client_id,
                               "--antom-private-key", antom_key, "--merchant-public-key",
                               merchant_public},
      log_file_);
  if (!wait_until(
          [&] {
            return raw_exchange(port_, get_request("/healthz"), std::chrono::milliseconds(500))
                       .status == 200;
          },
          std::chrono::seconds(10))) {
    throw std::runtime_error("paynotify-antom-simulator did not start (" + log_file_ + ")");
  }
}

std::string AntomSimulator::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void AntomSimulator::control(const std::string& json) {
  const auto reply =
      raw_exchange(port_, post_request("/control", "Content-Type: application/json\r\n", json));
  if (reply.status != 200) throw std::runtime_error("simulator POST /control failed");
}

boost::json::object AntomSimulator::calls() {
  const auto reply = raw_exchange(port_, get_request("/calls"));
  if (reply.status != 200) throw std::runtime_error("simulator GET /calls failed");
  return boost::json::parse(body_of(reply)).as_object();
}

}  // namespace paynotify::testing
