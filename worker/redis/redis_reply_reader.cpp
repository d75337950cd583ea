#include "worker/redis/redis_reply_reader.hpp"

#include <hiredis/hiredis.h>

namespace paynotify::worker {

namespace {

// The smallest element on the wire (":0\r\n", "$-1\r\n", "*0\r\n") takes 4 bytes, so a reply of
// at most N bytes holds at most N/4 elements in all its arrays together: hiredis allocates an
// array when it is announced, before its elements come, so more announced (in one array or
// across nested ones) is refused before it is allocated.
constexpr std::size_t kMinElementBytes = 4;

struct Limits {
  std::size_t max_elements = 0;   // per reply, in all its arrays
  std::size_t elements_left = 0;  // of the reply being read
  bool exceeded = false;
};

// hiredis 0.14 gives the reply functions no context of ours: the limits of the reader being
// parsed are set around each parse step (next()), which runs on the caller's thread.
thread_local Limits* current_limits = nullptr;

// hiredis's default reply functions, taken from a reader once (they are not exported).
const redisReplyObjectFunctions& hiredis_functions() {
  static const redisReplyObjectFunctions defaults = [] {
    redisReader* probe = redisReaderCreate();
    const redisReplyObjectFunctions fn = *probe->fn;
    redisReaderFree(probe);
    return fn;
  }();
  return defaults;
}

void* create_bounded_array(const redisReadTask* task, int elements) {
  if (elements < 0 || static_cast<std::size_t>(elements) > current_limits->elements_left) {
    current_limits->exceeded = true;
    return nullptr;  // the reader reports "Out of memory" and stops
  }
  current_limits->elements_left -= static_cast<std::size_t>(elements);
  return hiredis_functions().createArray(task, elements);
}

// hiredis's defaults with createArray checked first.
redisReplyObjectFunctions* bounded() {
  static redisReplyObjectFunctions fn = [] {
    redisReplyObjectFunctions f = hiredis_functions();
    f.createArray = create_bounded_array;
    return f;
  }();
  return &fn;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

RedisValue flatten(const redisReply& r) {
  RedisValue v;
  switch (r.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      v.type = RedisValue::Type::text;
      v.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      v.type = RedisValue::Type::error;
      v.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      v.type = RedisValue::Type::integer;
      v.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::array;
      v.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) v.elements.push_back(flatten(*r.element[i]));
      break;
    default: break;  // nil
  }
  return v;
}

}  // namespace

struct RedisReplyReader::Reader {
  std::unique_ptr<redisReader, void (*)(redisReader*)> hiredis{
      redisReaderCreateWithFunctions(bounded()), &redisReaderFree};
  Limits limits;
};

RedisReplyReader::RedisReplyReader(std::size_t max_reply_bytes)
    : reader_(std::make_unique<Reader>()), max_reply_bytes_(max_reply_bytes) {
  reader_->limits.max_elements = max_reply_bytes / kMinElementBytes;
  reader_->limits.elements_left = reader_->limits.max_elements;
}

RedisReplyReader::~RedisReplyReader() = default;

void RedisReplyReader::feed(const char* data, std::size_t size) {
  redisReaderFeed(reader_->hiredis.get(), data, size);
  fed_ += size;
}

RedisReplyReader::Next RedisReplyReader::next() {
  redisReader* r = reader_->hiredis.get();
  void* raw = nullptr;
  current_limits = &reader_->limits;
  const int status = redisReaderGetReply(r, &raw);
  current_limits = nullptr;
  if (status != REDIS_OK) {
    if (reader_->limits.exceeded) {
      return {std::nullopt,
              "a reply from Redis announced more array elements than --redis-max-reply-bytes (" +
                  std::to_string(max_reply_bytes_) + ") can hold"};
    }
    return {std::nullopt, std::string("bad reply from Redis: ") + r->errstr};
  }
  if (raw == nullptr) {
    // Still incomplete: everything fed since the last reply ended is this reply's (or after it).
    if (fed_ > max_reply_bytes_) {
      return {std::nullopt, "a reply from Redis longer than --redis-max-reply-bytes (" +
                                std::to_string(max_reply_bytes_) + " bytes)"};
    }
    return {};
  }
  ReplyPtr reply(static_cast<redisReply*>(raw));
  fed_ = r->len - r->pos;  // what the reader holds unparsed starts the next reply
  reader_->limits.elements_left = reader_->limits.max_elements;
  return {flatten(*reply), {}};
}

}  // namespace paynotify::worker
