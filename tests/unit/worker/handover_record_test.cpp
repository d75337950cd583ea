// The record handed to the retry or dead-letter topic keeps Antom's evidence and its first
// coordinates, and carries only this round's control headers.
#include "worker/handover_record.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/kafka/record_headers.hpp"

namespace paynotify::worker {
namespace {

std::vector<std::string> values_of(const OutgoingRecord& r, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : r.headers) {
    if (n == name) out.push_back(v);
  }
  return out;
}

TEST(HandoverRecord, TheFirstHandOverAddsTheOriginAndTheRoundsHeaders) {
  const ConsumedMessage consumed{"antom.notifications",
                                 4,
                                 99,
                                 "P1",
                                 "{body}",
                                 {{"antom-signature", "sig"}, {"received-at", "1"}}};
  const Divert d{Divert::To::retry_topic, 2, 5000, 4000, ErrorClass::transient,
                 std::string(3000, 'e')};
  const OutgoingRecord out = handover_record(consumed, d, "antom.notifications.retry");
  EXPECT_EQ(out.topic, "antom.notifications.retry");
  EXPECT_EQ(out.key, "P1");
  EXPECT_EQ(out.value, "{body}");
  EXPECT_EQ(values_of(out, "antom-signature"), std::vector<std::string>{"sig"});
  EXPECT_EQ(values_of(out, header::kOriginalTopic),
            std::vector<std::string>{"antom.notifications"});
  EXPECT_EQ(values_of(out, header::kOriginalPartition), std::vector<std::string>{"4"});
  EXPECT_EQ(values_of(out, header::kOriginalOffset), std::vector<std::string>{"99"});
  EXPECT_EQ(values_of(out, header::kAttempt), std::vector<std::string>{"2"});
  EXPECT_EQ(values_of(out, header::kNotBefore), std::vector<std::string>{"5000"});
  EXPECT_EQ(values_of(out, header::kFailingSince), std::vector<std::string>{"4000"});
  EXPECT_EQ(values_of(out, header::kErrorClass), std::vector<std::string>{"transient"});
  ASSERT_EQ(values_of(out, header::kError).size(), 1u);
  EXPECT_EQ(values_of(out, header::kError)[0].size(), 1000u);  // bounded
}

TEST(HandoverRecord, ALaterHandOverKeepsTheFirstOriginAndReplacesTheRoundsHeaders) {
  const ConsumedMessage retry{"antom.notifications.retry",
                              0,
                              12,
                              "P1",
                              "{body}",
                              {{std::string(header::kOriginalTopic), "antom.notifications"},
                               {std::string(header::kOriginalPartition), "4"},
                               {std::string(header::kOriginalOffset), "99"},
                               {std::string(header::kAttempt), "2"},
                               {std::string(header::kError), "503"},
                               {std::string(header::kErrorClass), "transient"}}};
  const Divert d{Divert::To::dead_letter_topic, 2, 0, 0, ErrorClass::permanent, "422"};
  const OutgoingRecord out = handover_record(retry, d, "antom.notifications.dlq");
  EXPECT_EQ(values_of(out, header::kOriginalTopic),
            std::vector<std::string>{"antom.notifications"});
  EXPECT_EQ(values_of(out, header::kOriginalOffset), std::vector<std::string>{"99"});
  EXPECT_EQ(values_of(out, header::kError), std::vector<std::string>{"422"});
  EXPECT_EQ(values_of(out, header::kErrorClass), std::vector<std::string>{"permanent"});
  EXPECT_TRUE(values_of(out, header::kFailingSince).empty());  // none yet: none written
}

}  // namespace
}  // namespace paynotify::worker
