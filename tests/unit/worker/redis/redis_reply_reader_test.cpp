#include "worker/redis/redis_reply_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace paynotify::worker {
namespace {

// Every reply (or the error) the bytes make, fed `chunk` bytes at a time.
std::vector<RedisReplyReader::Next> read_all(RedisReplyReader& reader, const std::string& wire,
                                             std::size_t chunk) {
  std::vector<RedisReplyReader::Next> out;
  for (std::size_t at = 0; at < wire.size(); at += chunk) {
    reader.feed(wire.data() + at, std::min(chunk, wire.size() - at));
    for (auto next = reader.next(); next.reply || !next.error.empty(); next = reader.next()) {
      out.push_back(next);
      if (!next.error.empty()) return out;
    }
  }
  return out;
}

TEST(RedisReplyReader, PipelinedRepliesComeOutInOrderWhateverTheChunks) {
  const std::string wire =
      "+OK\r\n:42\r\n$5\r\nhello\r\n$-1\r\n-ERR no\r\n*2\r\n:1\r\n*1\r\n$1\r\nx\r\n";
  for (const std::size_t chunk : {1u, 3u, 1000u}) {
    RedisReplyReader reader(64 * 1024);
    const auto got = read_all(reader, wire, chunk);
    ASSERT_EQ(got.size(), 6u) << chunk;
    EXPECT_EQ(got[0].reply->text, "OK");
    EXPECT_EQ(got[1].reply->integer, 42);
    EXPECT_EQ(got[2].reply->text, "hello");
    EXPECT_EQ(got[3].reply->type, RedisValue::Type::nil);
    EXPECT_EQ(got[4].reply->type, RedisValue::Type::error);
    EXPECT_EQ(got[4].reply->text, "ERR no");
    ASSERT_EQ(got[5].reply->elements.size(), 2u);
    EXPECT_EQ(got[5].reply->elements[1].elements[0].text, "x");
  }
}

// The security review's reply: a few bytes that would reserve 16 GiB.
TEST(RedisReplyReader, AnArrayLargerThanTheBoundCanHoldIsRefusedBeforeItIsAllocated) {
  for (const std::string announced : {"*2147483647\r\n", "*16385\r\n", "*-7\r\n"}) {
    RedisReplyReader reader(64 * 1024);  // at most 16,384 elements
    const auto got = read_all(reader, announced, 1000);
    ASSERT_EQ(got.size(), 1u) << announced;
    EXPECT_FALSE(got[0].reply);
    EXPECT_FALSE(got[0].error.empty()) << announced;
  }
  std::string at_bound = "*16384\r\n";
  for (int i = 0; i < 16384; ++i) at_bound += ":1\r\n";  // 65,544 bytes: one reply of 16,384
  RedisReplyReader roomy(128 * 1024);
  const auto got = read_all(roomy, at_bound, 4096);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].reply) << got[0].error;
  EXPECT_EQ(got[0].reply->elements.size(), 16384u);
}

// Nested arrays are allocated as they are announced: 9 bytes each would otherwise reserve
// 128 KiB each, 16,384 of them within the byte bound.
TEST(RedisReplyReader, ArraysAnnouncedInsideArraysShareOneBudget) {
  RedisReplyReader reader(64 * 1024);  // 16,384 elements in all
  std::string nested = "*8000\r\n*8000\r\n*8000\r\n";
  const auto got = read_all(reader, nested, 1000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].error.find("more array elements"), std::string::npos) << got[0].error;
  // The budget is per reply: the next reply starts afresh.
  RedisReplyReader fresh(64 * 1024);
  std::string two = "*2\r\n*9000\r\n";  // 9,002 elements: two replies together would not fit
  for (int i = 0; i < 9000; ++i) two += ":1\r\n";
  two += ":2\r\n";
  two += two;
  EXPECT_EQ(read_all(fresh, two, 4096).size(), 2u);
}

TEST(RedisReplyReader, AReplyLongerThanTheBoundDropsTheConnectionOnceItsBytesPassIt) {
  RedisReplyReader reader(64 * 1024);
  const std::string huge = "$1000000000\r\n" + std::string(70 * 1024, 'x');
  const auto got = read_all(reader, huge, 16384);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].error.find("longer than --redis-max-reply-bytes"), std::string::npos)
      << got[0].error;
  // Many small replies together may exceed the bound; each of them alone does not.
  RedisReplyReader many(64 * 1024);
  std::string wire;
  for (int i = 0; i < 10000; ++i) wire += "$10\r\n0123456789\r\n";  // 170,000 bytes in all
  EXPECT_EQ(read_all(many, wire, 1 << 20).size(), 10000u);
}

}  // namespace
}  // namespace paynotify::worker
