#include "common/service/log.hpp"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace paynotify {
namespace {

TEST(ValidUtf8, KeepsValidTextAndReplacesEverythingElse) {
  EXPECT_EQ(valid_utf8("plain /notifications/antom"), "plain /notifications/antom");
  EXPECT_EQ(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x92\xB3"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x92\xB3");
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(valid_utf8("/a\xFF"), "/a" + replacement);
  EXPECT_EQ(valid_utf8("\xC0\xAF"), replacement + replacement) << "an overlong '/'";
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), replacement + replacement + replacement) << "a surrogate";
  EXPECT_EQ(valid_utf8("\xE2\x82"), replacement + replacement) << "cut short";
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80").substr(0, 3), replacement) << "above U+10FFFF";
}

TEST(LogEvent, WritesValidUtf8JsonWhateverTheFieldsHold) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("%v");
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  log_event(spdlog::level::info, "notification", {{"reason", "path /x\xFF\xFE\"\n"}});
  spdlog::set_default_logger(previous);
  EXPECT_EQ(out.str(),
            "\"event\":\"notification\",\"reason\":\"path /x\xEF\xBF\xBD\xEF\xBF\xBD\\\"\\n\"\n");
}

TEST(LogRateLimit, ABurstThenTheRateAndTheCountOfWhatWasLeftOut) {
  LogRateLimit limit(10.0, 5.0);
  const auto t0 = std::chrono::steady_clock::now();
  int logged = 0;
  for (int i = 0; i < 1000; ++i) logged += limit.admit(t0).log ? 1 : 0;
  EXPECT_EQ(logged, 5) << "the burst, at one instant";
  const auto later = limit.admit(t0 + std::chrono::milliseconds(100));  // one token back
  EXPECT_TRUE(later.log);
  EXPECT_EQ(later.dropped_before, 995u);
  EXPECT_FALSE(limit.admit(t0 + std::chrono::milliseconds(100)).log);
  int per_second = 0;
  for (int ms = 200; ms <= 1100; ms += 1) {
    per_second += limit.admit(t0 + std::chrono::milliseconds(ms)).log ? 1 : 0;
  }
  EXPECT_EQ(per_second, 10) << "10 per second after the burst";
}

}  // namespace
}  // namespace paynotify
