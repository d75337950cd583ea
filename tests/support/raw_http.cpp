#include "tests/support/raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace paynotify::testing {

RawReply raw_exchange(uint16_t port, const std::string& request, std::chrono::milliseconds timeout,
                      std::chrono::milliseconds pause) {
  RawReply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return reply;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (pause.count() == 0) {
    (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  } else {
    for (const char c : request) {
      if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1 || std::chrono::steady_clock::now() > deadline)
        break;
      std::this_thread::sleep_for(pause);
    }
  }
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (reply.text.rfind("HTTP/1.1 ", 0) == 0 && reply.text.size() >= 12) {
    reply.status = static_cast<unsigned>(std::stoi(reply.text.substr(9, 3)));
  }
  return reply;
}

std::string post_request(const std::string& target, const std::string& headers,
                         const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string get_request(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

}  // namespace paynotify::testing
