#pragma once
// Opening a listening socket for an option such as --listen or --admin-listen: host names and
// `localhost` are resolved, and every failure (unresolvable host, busy port, no permission)
// is a ConfigError that names the option and its value, so start-up exits 2 saying what to fix.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace paynotify {

std::unique_ptr<boost::asio::ip::tcp::acceptor> open_listener(boost::asio::io_context& ctx,
                                                              const std::string& option,
                                                              const std::string& host,
                                                              uint16_t port);

}  // namespace paynotify
