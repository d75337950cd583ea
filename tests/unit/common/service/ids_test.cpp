// The ids the ingest gives a notification: an ingest id, and a W3C traceparent when Antom sent
// none (it never does).
#include "common/service/ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace paynotify {
namespace {

TEST(Ids, ANewTraceparentIsAValidVersionZeroOneSampled) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = new_traceparent();
    ASSERT_TRUE(is_valid_traceparent(t)) << t;
    EXPECT_EQ(t.substr(0, 3), "00-") << t;
    EXPECT_EQ(t.substr(52), "-01") << t;
    seen.insert(t.substr(3, 32));
  }
  EXPECT_EQ(seen.size(), 100u) << "each trace id is new";
}

TEST(Ids, RandomHexIsTwoLowerCaseDigitsPerByte) {
  const std::string id = new_ingest_id();
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  EXPECT_NE(new_ingest_id(), id);
}

}  // namespace
}  // namespace paynotify
