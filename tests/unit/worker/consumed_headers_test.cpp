#include "worker/consumed_headers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace paynotify::worker {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs pairs_of(const ConsumedHeaders& h) {
  Pairs out;
  for (const auto [name, value] : h) out.emplace_back(name, value);
  return out;
}

TEST(ConsumedHeaders, KeepsEveryHeaderInOrderWithEmptyAndRepeatedOnes) {
  const Pairs given{{"antom-signature", std::string(344, 's')},
                    {"empty", ""},
                    {"traceparent", "00-abc"},
                    {"traceparent", "second"}};
  const ConsumedHeaders h(given);
  EXPECT_EQ(pairs_of(h), given);
  EXPECT_EQ(h.size(), 4u);
  EXPECT_EQ(h.bytes(), 15u + 344u + 5u + 11u + 6u + 11u + 6u);
  EXPECT_EQ(h.get("traceparent"), "00-abc");  // the first of a repeated name
  EXPECT_EQ(h.get("empty"), "");
  EXPECT_EQ(h.get("absent"), "");
  EXPECT_EQ(h.get("antom"), "");  // a name's prefix is not the name
}

TEST(ConsumedHeaders, ReservedRoomIsEnoughForWhatIsAddedAndValuesSurviveACopy) {
  ConsumedHeaders h;
  h.reserve(2, 40);  // past the short-string buffer, so that the room is really allocated
  h.add("a", std::string(19, 'b'));
  const char* before = h[0].first.data();
  h.add("ef", std::string(18, 'g'));
  EXPECT_EQ(h[0].first.data(), before);  // no reallocation: the reservation held
  const ConsumedHeaders copy = h;
  h.add("later", "x");
  EXPECT_EQ(copy.get("ef"), std::string(18, 'g'));
  EXPECT_EQ(copy.size(), 2u);
}

}  // namespace
}  // namespace paynotify::worker
