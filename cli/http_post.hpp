#pragma once
// A one-shot HTTP/1.1 POST for the CLI (plain HTTP; put TLS in front with a proxy if needed).

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace paynotify::cli {

struct HttpReply {
  bool sent = false;  // false: no answer at all (refused, timed out); see error
  unsigned status = 0;
  std::string body;
  std::string error;
};

HttpReply http_post(const std::string& url,
                    const std::vector<std::pair<std::string, std::string>>& headers,
                    const std::string& body, std::chrono::milliseconds timeout);

// The request target (path and query) of a URL, as Antom signs it; empty on a malformed URL.
std::string request_target_of(const std::string& url);

}  // namespace paynotify::cli
