#include "common/net/name_resolution.hpp"

#include <cstring>

#include <atomic>
#include <system_error>
#include <thread>

namespace paynotify {

namespace {

// Resolutions under way at most, process-wide: while DNS does not answer, each given-up one
// keeps its thread until glibc gives up too, and connection attempts go on.
constexpr int kMaxResolving = 16;
std::atomic<int> resolving{0};
std::atomic<uint64_t> started{0};

}  // namespace

uint64_t NameResolution::started_total() { return started.load(); }

std::shared_ptr<NameResolution> NameResolution::start(const std::string& host, uint16_t port) {
  std::shared_ptr<NameResolution> self(new NameResolution());
  const auto fail = [&](std::string why) {
    self->error_ = "cannot resolve " + host + ": " + std::move(why);
    self->ready_ = true;
    return self;
  };
  started.fetch_add(1);
  if (resolving.fetch_add(1) >= kMaxResolving) {
    resolving.fetch_sub(1);
    return fail(std::to_string(kMaxResolving) + " resolutions already wait for DNS");
  }
  // The thread holds its own reference: the caller may have stopped waiting and let go.
  const auto resolve = [self, host, port] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    std::lock_guard lock(self->mu_);
    if (rc == 0) {
      self->addresses_.reset(found);
    } else {
      self->error_ = "cannot resolve " + host + ": " + gai_strerror(rc);
    }
    self->ready_ = true;
    self->done_.notify_all();
    resolving.fetch_sub(1);
  };
  try {
    std::thread(resolve).detach();
  } catch (const std::system_error& e) {
    resolving.fetch_sub(1);
    return fail(std::string("no thread to resolve on: ") + e.what());
  }
  return self;
}

bool NameResolution::ready() const {
  std::lock_guard lock(mu_);
  return ready_;
}

bool NameResolution::wait_until(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mu_);
  return done_.wait_until(lock, deadline, [this] { return ready_; });
}

NameResolution::AddressList NameResolution::take_addresses() {
  std::lock_guard lock(mu_);
  return std::move(addresses_);
}

std::vector<boost::asio::ip::tcp::endpoint> tcp_endpoints(const addrinfo* addresses) {
  std::vector<boost::asio::ip::tcp::endpoint> out;
  for (const addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    boost::asio::ip::tcp::endpoint endpoint;
    if (a->ai_addrlen > endpoint.capacity()) continue;
    std::memcpy(endpoint.data(), a->ai_addr, a->ai_addrlen);
    endpoint.resize(a->ai_addrlen);
    out.push_back(endpoint);
  }
  return out;
}

}  // namespace paynotify
