// libFuzzer target: Redis replies off the wire (whatever sits on the path to Redis chooses
// them) through the worker's bounded reader. Nothing may crash or allocate past the bound
// (libFuzzer's -rss_limit_mb catches that), and the replies read do not depend on how the
// bytes were split into reads.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "worker/redis/redis_reply_reader.hpp"

namespace {

constexpr std::size_t kBound = 64 * 1024;

bool same(const paynotify::worker::RedisValue& a, const paynotify::worker::RedisValue& b) {
  if (a.type != b.type || a.text != b.text || a.integer != b.integer ||
      a.elements.size() != b.elements.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.elements.size(); ++i) {
    if (!same(a.elements[i], b.elements[i])) return false;
  }
  return true;
}

// Replies until the first error (an error ends the connection); `error` says whether one came.
std::vector<paynotify::worker::RedisValue> read(const uint8_t* data, size_t size, size_t chunk,
                                                bool& error) {
  paynotify::worker::RedisReplyReader reader(kBound);
  std::vector<paynotify::worker::RedisValue> replies;
  error = false;
  for (size_t at = 0; at < size; at += chunk) {
    reader.feed(reinterpret_cast<const char*>(data) + at, std::min(chunk, size - at));
    for (auto next = reader.next(); next.reply || !next.error.empty(); next = reader.next()) {
      if (!next.error.empty()) {
        error = true;
        return replies;
      }
      replies.push_back(std::move(*next.reply));
    }
  }
  return replies;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  bool whole_error = false, chunked_error = false;
  const auto whole = read(data + 1, size - 1, size, whole_error);
  const auto chunked = read(data + 1, size - 1, chunk, chunked_error);
  // Chunked reads stop at the first error; until then they must agree with the whole read.
  if (whole.size() != chunked.size() && !(chunked_error && chunked.size() < whole.size()) &&
      !(whole_error && whole.size() < chunked.size())) {
    __builtin_trap();
  }
  for (size_t i = 0; i < std::min(whole.size(), chunked.size()); ++i) {
    if (!same(whole[i], chunked[i])) __builtin_trap();
  }
  return 0;
}
