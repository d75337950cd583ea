#include "worker/redis/redis_pipeline.hpp"

#include <poll.h>

#include <boost/asio/post.hpp>

#include "common/service/log.hpp"
#include "worker/redis/redis_reply_reader.hpp"
#include "worker/redis/redis_socket.hpp"

namespace paynotify::worker {
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {
// A failed connection attempt is not repeated sooner than this: the records' own retries
// (--store-retry) come back often, and each must not start a connection of its own.
constexpr auto kReconnectAfter = std::chrono::milliseconds(200);
// A connection that fails this soon after it was made is not made again sooner than
// kReconnectAfter either: a server that closes connections at once is not dialled in a loop.
constexpr auto kShortLived = std::chrono::seconds(1);
}  // namespace

RedisPipeline::RedisPipeline(net::any_io_executor loop, RedisSettings settings, Hook on_connect,
                             std::vector<const LuaScript*> scripts, WriteObserver observe_write)
    : loop_(std::move(loop)),
      settings_(std::move(settings)),
      on_connect_(std::move(on_connect)),
      scripts_(std::move(scripts)),
      observe_write_(std::move(observe_write)),
      deadline_(loop_) {}

RedisPipeline::~RedisPipeline() {
  if (connector_.joinable()) connector_.join();
  if (ready_) ready_->release();  // the socket closes its own descriptor
}

void RedisPipeline::command(std::span<const std::string_view> words, Done done) {
  append_command(queued_, words);
  queued(std::move(done));
}

void RedisPipeline::eval(const ScriptCall& call, Done done) {
  append_script(queued_, call);
  queued(std::move(done));
}

void RedisPipeline::queued(Done done) {
  ++queued_count_;
  waiting_.push_back({std::move(done), Clock::now() + settings_.command_timeout});
  watch_deadline();
  if (flush_posted_) return;
  // Everything queued until the loop comes back here goes out in one write.
  flush_posted_ = true;
  net::post(loop_, [this] {
    flush_posted_ = false;
    flush();
  });
}

void RedisPipeline::flush() {
  if (!socket_) {
    if (!connecting_ && !waiting_.empty()) start_connect();
    return;
  }
  if (writing_active_ || queued_.empty()) return;
  writing_.swap(queued_);
  queued_.clear();
  written_ = 0;
  if (observe_write_) observe_write_(queued_count_);
  queued_count_ = 0;
  write_more();
}

void RedisPipeline::start_connect() {
  if (Clock::now() < next_connect_) {
    drop(last_error_.empty() ? "not connected" : last_error_);
    return;
  }
  connecting_ = true;
  if (connector_.joinable()) connector_.join();
  connector_ = std::thread([this] {
    RedisConnection connection(settings_);
    connection.on_connect(on_connect_);
    const bool ok = connection.connect() && connection.load(scripts_);
    std::unique_ptr<RedisSocket> socket = ok ? connection.take_socket() : nullptr;
    net::post(loop_, [this, socket = std::move(socket), error = connection.last_error()]() mutable {
      on_connected(std::move(socket), std::move(error));
    });
  });
}

void RedisPipeline::on_connected(std::unique_ptr<RedisSocket> socket, std::string error) {
  connecting_ = false;
  if (connector_.joinable()) connector_.join();  // it has posted this: it is ending
  if (!socket) {
    next_connect_ = Clock::now() + kReconnectAfter;
    drop(std::move(error));
    return;
  }
  ++connection_;
  socket_ = std::move(socket);
  connected_at_ = Clock::now();
  ready_.emplace(loop_, socket_->native_handle());
  reader_ = std::make_unique<RedisReplyReader>(settings_.max_reply_bytes);
  read_more();
  flush();
}

// Writes until all of writing_ is out, then what was queued meanwhile, or until the socket
// must become ready.
void RedisPipeline::write_more() {
  writing_active_ = false;
  while (written_ < writing_.size()) {
    short wants = 0;
    std::string error;
    const std::string_view rest = std::string_view(writing_).substr(written_);
    const std::size_t n = socket_->try_write(rest, wants, error);
    if (n > 0) {
      written_ += n;
      continue;
    }
    if (wants == 0) return io_failed(std::move(error));
    writing_active_ = true;  // TLS needs the same bytes again, so writing_ stays untouched
    return await_ready(wants, &RedisPipeline::write_more);
  }
  writing_.clear();
  written_ = 0;
  flush();
}

// Reads while bytes are there and hands each complete reply to its command, in order; then
// waits for more. Always waiting while connected: a close is noticed at once.
void RedisPipeline::read_more() {
  char buffer[16384];
  for (;;) {
    short wants = 0;
    std::string error;
    const std::size_t n = socket_->try_read(buffer, sizeof buffer, wants, error);
    if (n == 0 && wants == 0) return io_failed(std::move(error));
    if (n == 0) return await_ready(wants, &RedisPipeline::read_more);
    reader_->feed(buffer, n);
    // The replies of one read go back in one posted handler, not one each: a batch of claims
    // is one read, and each post was an allocation and a pass through the scheduler.
    Answered answered;
    std::string fault;
    for (;;) {
      auto next = reader_->next();
      if (!next.error.empty()) {
        fault = std::move(next.error);
        break;
      }
      if (!next.reply) break;
      if (waiting_.empty()) {
        fault = "Redis sent a reply to no command";
        break;
      }
      // The server lost the scripts (SCRIPT FLUSH, or a proxy moved the connection to another
      // server): every script run would fail the same way. Reconnecting loads them again.
      if (next.reply->type == RedisValue::Type::error &&
          std::string_view(next.reply->text).starts_with("NOSCRIPT"))
        fault = "Redis no longer has the scripts (NOSCRIPT): reconnecting";
      answered.emplace_back(std::move(waiting_.front().done), std::move(next.reply));
      waiting_.pop_front();
      if (!fault.empty()) break;
    }
    hand_back(std::move(answered));
    if (!fault.empty()) return drop(std::move(fault));
  }
}

// Posted, not called: a command's completion may queue the next command, and must not run
// inside the read that answered it.
void RedisPipeline::hand_back(Answered answered) {
  if (answered.empty()) return;
  net::post(loop_, [answered = std::move(answered)]() mutable {
    for (auto& [done, reply] : answered) done(std::move(reply));
  });
}

void RedisPipeline::await_ready(short wants, void (RedisPipeline::*then)()) {
  const auto which = wants == POLLIN ? net::posix::stream_descriptor::wait_read
                                     : net::posix::stream_descriptor::wait_write;
  ready_->async_wait(which, [this, then, connection = connection_](boost::system::error_code ec) {
    if (connection != connection_ || !socket_) return;  // dropped meanwhile
    if (ec) return drop("waiting for Redis: " + ec.message());
    (this->*then)();
  });
}

// One timer for all waiting commands, set for the oldest: replies come in order, so when it
// has none by its deadline, none is coming in time.
void RedisPipeline::watch_deadline() {
  if (deadline_armed_ || waiting_.empty()) return;
  deadline_armed_ = true;
  deadline_.expires_at(waiting_.front().deadline);
  deadline_.async_wait([this](boost::system::error_code ec) {
    deadline_armed_ = false;
    if (ec == net::error::operation_aborted) return;
    if (!waiting_.empty() && waiting_.front().deadline <= Clock::now()) {
      return drop("no reply from Redis within " +
                  std::to_string(settings_.command_timeout.count()) + " ms");
    }
    watch_deadline();
  });
}

void RedisPipeline::io_failed(std::string why) {
  if (Clock::now() - connected_at_ < kShortLived) next_connect_ = Clock::now() + kReconnectAfter;
  drop(std::move(why));
}

void RedisPipeline::drop(std::string why) {
  last_error_ = std::move(why);
  if (socket_) {
    log_event(spdlog::level::warn, "redis_connection_dropped", {{"error", last_error_}});
    ++connection_;
    ready_->cancel();
    ready_->release();
    ready_.reset();
    socket_.reset();
    reader_.reset();
  }
  queued_.clear();
  queued_count_ = 0;
  writing_.clear();
  written_ = 0;
  writing_active_ = false;
  // Every command waiting fails, also those never sent: their records try again shortly.
  std::deque<Waiting> failed;
  failed.swap(waiting_);
  for (auto& w : failed) {
    net::post(loop_, [done = std::move(w.done)] { done(std::nullopt); });
  }
}

}  // namespace paynotify::worker
