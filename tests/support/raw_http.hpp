#pragma once
// Plain-socket HTTP for tests that must send what a well-behaved client never would.

#include <chrono>
#include <cstdint>
#include <string>

namespace paynotify::testing {

struct RawReply {
  unsigned status = 0;  // 0: the server closed without answering
  std::string text;     // everything the server sent
};

// Connects to 127.0.0.1:port, writes `request` (optionally in pieces with a pause between
// them), reads until the server closes or `timeout` passes.
RawReply raw_exchange(uint16_t port, const std::string& request,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5),
                      std::chrono::milliseconds pause_between_bytes = std::chrono::milliseconds(0));

// A POST with the given headers ("Name: value\r\n" lines) and body, Connection: close.
std::string post_request(const std::string& target, const std::string& headers,
                         const std::string& body);

// A bodiless GET, Connection: close.
std::string get_request(const std::string& target);

}  // namespace paynotify::testing
