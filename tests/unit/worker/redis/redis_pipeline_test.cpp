// RedisPipeline against a Redis the test plays on 127.0.0.1: commands queued in one turn of the
// loop go out in one write and their replies come back to them in order; a Redis that stays
// silent or goes away fails every command waiting, and the next command connects anew.
#include "worker/redis/redis_pipeline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <string>
#include <thread>
#include <vector>

#include "tests/support/loopback.hpp"

namespace paynotify::worker {
namespace {

namespace net = boost::asio;
using testing::Fd;
using testing::Loopback;

RedisSettings settings_for(const Loopback& redis, std::chrono::milliseconds command_timeout) {
  RedisSettings s;
  s.host = "127.0.0.1";
  s.port = redis.port();
  s.command_timeout = command_timeout;
  s.connect_timeout = std::chrono::milliseconds(2000);
  return s;
}

std::string echo(const std::string& word) {
  std::string out;
  const std::string_view words[] = {"ECHO", word};
  append_command(out, words);
  return out;
}

std::string bulk(const std::string& word) {
  return "$" + std::to_string(word.size()) + "\r\n" + word + "\r\n";
}

struct Answers {
  std::vector<RedisPipeline::Reply> replies;
  std::size_t answered = 0;
};

// Queues ECHO 0..n-1 from inside the loop, in one turn; runs the loop until all are answered.
void echo_all(net::io_context& loop, RedisPipeline& redis, std::size_t n, Answers& answers) {
  answers.replies.assign(n, std::nullopt);
  net::post(loop, [&] {
    for (std::size_t i = 0; i < n; ++i) {
      const std::string word = std::to_string(i);
      const std::string_view words[] = {"ECHO", word};
      redis.command(words, [&answers, i](RedisPipeline::Reply r) {
        answers.replies[i] = std::move(r);
        ++answers.answered;
      });
    }
  });
  loop.restart();
  while (answers.answered < n && loop.run_one_for(testing::kPatient) > 0) {
  }
}

TEST(RedisPipeline, CommandsQueuedInOneTurnGoOutInOneWriteAndEachGetsItsOwnReply) {
  const Loopback redis;
  std::string expected;
  std::string answer;
  for (int i = 0; i < 20; ++i) {
    expected += echo(std::to_string(i));
    answer += bulk(std::to_string(i));
  }
  std::thread server([&] {
    Fd peer = redis.accept();
    EXPECT_EQ(peer.receive(echo("0").size()), echo("0"));  // the first, on a fresh connection
    peer.send(bulk("0"));
    EXPECT_EQ(peer.receive(expected.size()), expected);  // then 20 queued in one turn
    peer.send(answer.substr(0, 7));                      // a reply split across reads
    peer.send(answer.substr(7));
    peer.receive(1);  // until the client closes
  });
  net::io_context loop;
  std::vector<std::size_t> writes;
  Answers first, answers;
  {
    RedisPipeline pipeline(loop.get_executor(), settings_for(redis, testing::kPatient), {}, {},
                           [&](std::size_t n) { writes.push_back(n); });
    echo_all(loop, pipeline, 1, first);  // connected now
    echo_all(loop, pipeline, 20, answers);
  }
  server.join();
  EXPECT_EQ(writes, (std::vector<std::size_t>{1, 20}));
  ASSERT_EQ(answers.answered, 20u);
  for (std::size_t i = 0; i < 20; ++i) {
    ASSERT_TRUE(answers.replies[i]) << i;
    EXPECT_EQ(answers.replies[i]->text, std::to_string(i));
  }
}

TEST(RedisPipeline, ARedisThatLostTheScriptsIsDroppedSoTheNextCommandReloadsThem) {
  const Loopback redis;
  std::thread server([&] {
    Fd first = redis.accept();
    first.receive(echo("0").size() + echo("1").size());
    first.send("-NOSCRIPT No matching script. Please use EVAL.\r\n");
    EXPECT_EQ(first.receive(1), "") << "the client dropped this connection, sending nothing more";
    Fd second = redis.accept();
    EXPECT_EQ(second.receive(echo("0").size()), echo("0"));
    second.send(bulk("0"));
    second.receive(1);
  });
  net::io_context loop;
  Answers lost, again;
  std::string why;
  {
    RedisPipeline pipeline(loop.get_executor(), settings_for(redis, std::chrono::seconds(2)), {},
                           {});
    echo_all(loop, pipeline, 2, lost);
    why = pipeline.last_error();
    echo_all(loop, pipeline, 1, again);
  }
  server.join();
  ASSERT_TRUE(lost.replies[0]);
  EXPECT_EQ(lost.replies[0]->type, RedisValue::Type::error);  // its own reply, as Redis sent it
  EXPECT_FALSE(lost.replies[1]);                              // failed with the connection
  EXPECT_NE(why.find("NOSCRIPT"), std::string::npos) << why;  // dropped for it, not timed out
  ASSERT_TRUE(again.replies[0]);
  EXPECT_EQ(again.replies[0]->text, "0");
}

TEST(RedisPipeline, ASilentRedisFailsEveryWaitingCommandAtTheTimeoutAndTheNextCommandReconnects) {
  const Loopback redis;
  std::thread server([&] {
    Fd silent = redis.accept();
    silent.receive(echo("0").size() + echo("1").size() + echo("2").size());
    Fd second = redis.accept();  // the pipeline gave the first up and connected again
    EXPECT_EQ(second.receive(echo("0").size()), echo("0"));
    second.send(bulk("0"));
    second.receive(1);
  });
  net::io_context loop;
  Answers first, again;
  std::string error;
  {
    RedisPipeline pipeline(loop.get_executor(), settings_for(redis, std::chrono::milliseconds(200)),
                           {}, {});
    echo_all(loop, pipeline, 3, first);
    error = pipeline.last_error();
    echo_all(loop, pipeline, 1, again);
  }  // closes the second connection: the server's last read ends
  server.join();
  EXPECT_EQ(first.answered, 3u);
  for (const auto& r : first.replies) EXPECT_FALSE(r);
  EXPECT_NE(error.find("no reply from Redis within 200 ms"), std::string::npos) << error;
  ASSERT_TRUE(again.replies[0]);
  EXPECT_EQ(again.replies[0]->text, "0");
}

TEST(RedisPipeline, ARedisThatGoesAwayFailsWhatWaitsWithoutWaitingForTheTimeout) {
  const Loopback redis;
  std::thread server([&] {
    Fd peer = redis.accept();
    peer.receive(echo("0").size());
    peer.close();
  });
  net::io_context loop;
  RedisPipeline pipeline(loop.get_executor(), settings_for(redis, testing::kPatient), {}, {});
  Answers answers;
  echo_all(loop, pipeline, 1, answers);
  server.join();
  EXPECT_EQ(answers.answered, 1u);
  EXPECT_FALSE(answers.replies[0]);
  EXPECT_NE(pipeline.last_error().find("closed"), std::string::npos) << pipeline.last_error();
}

TEST(RedisPipeline, NobodyListeningFailsTheCommandsWithTheReason) {
  const Loopback bound_only(/*listening=*/false);
  net::io_context loop;
  RedisPipeline pipeline(loop.get_executor(), settings_for(bound_only, testing::kPatient), {}, {});
  Answers answers;
  echo_all(loop, pipeline, 2, answers);
  EXPECT_EQ(answers.answered, 2u);
  EXPECT_FALSE(answers.replies[0]);
  EXPECT_NE(pipeline.last_error().find("cannot connect"), std::string::npos)
      << pipeline.last_error();
}

}  // namespace
}  // namespace paynotify::worker
