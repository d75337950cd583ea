#include "common/service/listener.hpp"

#include "common/service/options.hpp"

namespace paynotify {
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::unique_ptr<tcp::acceptor> open_listener(net::io_context& ctx, const std::string& option,
                                             const std::string& host, uint16_t port) {
  const std::string shown = "--" + option + " " + host + ":" + std::to_string(port);
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  if (const auto address = net::ip::make_address(host, ec); !ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    tcp::resolver resolver(ctx);
    const auto found = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
    if (ec || found.empty()) {
      throw ConfigError(shown + ": cannot resolve host '" + host + "'" +
                        (ec ? ": " + ec.message() : std::string()));
    }
    // IPv4 first when the name has one: `localhost` then listens where 127.0.0.1 reaches it.
    endpoint = found.begin()->endpoint();
    for (const auto& entry : found) {
      if (entry.endpoint().address().is_v4()) {
        endpoint = entry.endpoint();
        break;
      }
    }
  }
  auto acceptor = std::make_unique<tcp::acceptor>(ctx);
  const auto fail = [&](const char* step) {
    return ConfigError(shown + ": cannot " + step + ": " + ec.message());
  };
  acceptor->open(endpoint.protocol(), ec);
  if (ec) throw fail("open a socket");
  acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (ec) throw fail("set SO_REUSEADDR");
  acceptor->bind(endpoint, ec);
  if (ec) throw fail("bind");
  acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw fail("listen");
  return acceptor;
}

}  // namespace paynotify
