#pragma once
// Redis from the worker's event loop, pipelined: the commands queued in one turn of the loop go
// out in one write, and their replies are read as they arrive and handed back in order, on the
// loop. No thread waits on Redis. Connecting (TCP or TLS, AUTH, the connect hook, loading the
// scripts) blocks, so it runs on a short-lived thread of its own; the socket then belongs to
// the loop, which waits for it with epoll. An I/O or protocol error, or a reply later than
// --redis-command-timeout after its command, drops the connection: every command waiting gets
// no reply (its record tries again), and the next command connects anew.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "worker/redis/redis_connection.hpp"
#include "worker/redis/redis_settings.hpp"

namespace paynotify::worker {

class RedisReplyReader;
class RedisSocket;

class RedisPipeline {
 public:
  using Reply = std::optional<RedisValue>;  // nothing: the connection failed before the reply
  using Done = std::function<void(Reply)>;
  using Hook = std::function<void(RedisConnection&)>;
  using WriteObserver = std::function<void(std::size_t)>;  // commands per write (a metric)

  // scripts: loaded on every new connection, so that EVALSHA finds them.
  RedisPipeline(boost::asio::any_io_executor loop, RedisSettings settings, Hook on_connect,
                std::vector<const LuaScript*> scripts, WriteObserver observe_write = {});
  // Only once the loop has stopped for good (handlers still queued point here); waits for a
  // connection attempt under way.
  ~RedisPipeline();
  RedisPipeline(const RedisPipeline&) = delete;
  RedisPipeline& operator=(const RedisPipeline&) = delete;

  // Queue a command or a script run; its words are copied into the next write at once. `done`
  // runs on the loop, never inside this call. Loop thread only.
  void command(std::span<const std::string_view> words, Done done);
  void eval(const ScriptCall& call, Done done);

  const std::string& last_error() const { return last_error_; }

 private:
  struct Waiting {
    Done done;
    std::chrono::steady_clock::time_point deadline;
  };
  void queued(Done done);
  void flush();
  void start_connect();
  void on_connected(std::unique_ptr<RedisSocket> socket, std::string error);
  void write_more();
  void read_more();
  using Answered = std::vector<std::pair<Done, Reply>>;
  void hand_back(Answered answered);
  void await_ready(short wants, void (RedisPipeline::*then)());
  void watch_deadline();
  void io_failed(std::string why);  // the socket failed or closed: drop, holding off if young
  void drop(std::string why);

  boost::asio::any_io_executor loop_;
  RedisSettings settings_;
  Hook on_connect_;
  std::vector<const LuaScript*> scripts_;
  WriteObserver observe_write_;

  std::unique_ptr<RedisSocket> socket_;
  std::optional<boost::asio::posix::stream_descriptor> ready_;  // the socket's fd, for epoll
  std::unique_ptr<RedisReplyReader> reader_;
  std::string queued_;   // commands not yet being written, in RESP
  std::string writing_;  // the write under way: kept as it is until all of it is written
  std::size_t written_ = 0;
  std::size_t queued_count_ = 0;  // commands in queued_
  std::deque<Waiting> waiting_;   // every command not yet answered, in order
  bool flush_posted_ = false;
  bool writing_active_ = false;  // a write waits for the socket
  bool connecting_ = false;
  std::thread connector_;
  std::chrono::steady_clock::time_point next_connect_{};  // after a failed attempt
  std::chrono::steady_clock::time_point connected_at_{};
  uint64_t connection_ = 0;  // counts connections made and dropped: stale wake-ups are ignored
  boost::asio::steady_timer deadline_;
  bool deadline_armed_ = false;
  std::string last_error_;
};

}  // namespace paynotify::worker
