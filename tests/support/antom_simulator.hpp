#pragma once
// paynotify-antom-simulator (tests/antom_simulator/) run from a test: Antom's inquiry API, its
// answers signed with test_key(0) — the key the services verify notifications with — and the
// merchant's requests checked against test_key(2).

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/child_process.hpp"

namespace paynotify::testing {

class AntomSimulator {
 public:
  static constexpr const char* kClientId = "SIM-CLIENT-1";

  // Starts it for merchant `client_id` with its key files and log in `dir`; throws when it does
  // not come up.
  explicit AntomSimulator(const std::string& dir, const std::string& client_id = kClientId);
  std::string url() const;  // http://127.0.0.1:<port>
  // POST /control (tests/antom_simulator/main.cpp says what it takes).
  void control(const std::string& json);
  // GET /calls: inquiryPayment, inquiryRefund, badRequestSignatures.
  boost::json::object calls();
  const std::string& merchant_private_key_file() const { return merchant_key_file_; }
  const std::string& log_file() const { return log_file_; }

 private:
  uint16_t port_ = 0;
  std::string merchant_key_file_, log_file_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace paynotify::testing
