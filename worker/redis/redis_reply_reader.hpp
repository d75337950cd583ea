#pragma once
// Redis replies off the wire, bounded. hiredis 0.14's reader limits only nesting: `*2147483647`
// reserves 16 GiB for one array, and a reply it is still waiting for grows without end (small
// elements cost ~18 times their wire size in memory). Whatever is on the path to Redis could
// take the worker's memory that way, so each reply is bounded in bytes (and its arrays in
// elements, which cannot exceed its bytes): past the bound the connection is dropped.
// Pure: bytes in, replies out; RedisConnection does the I/O.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "worker/redis/redis_connection.hpp"

namespace paynotify::worker {

class RedisReplyReader {
 public:
  explicit RedisReplyReader(std::size_t max_reply_bytes);
  ~RedisReplyReader();
  RedisReplyReader(const RedisReplyReader&) = delete;
  RedisReplyReader& operator=(const RedisReplyReader&) = delete;

  // Bytes read off the connection.
  void feed(const char* data, std::size_t size);

  struct Next {
    std::optional<RedisValue> reply;  // an error reply is Type::error
    std::string error;  // a protocol error or a reply past the bound: drop the connection
  };
  // The next complete reply; neither reply nor error when more bytes are needed.
  Next next();

 private:
  struct Reader;
  std::unique_ptr<Reader> reader_;
  std::size_t max_reply_bytes_;
  std::size_t fed_ = 0;  // bytes fed since the last complete reply ended
};

}  // namespace paynotify::worker
