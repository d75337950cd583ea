// When a worker trusts Redis's parking: the pure decision on each look, and the shared holder.
#include "worker/store/store_generation.hpp"

#include <gtest/gtest.h>

namespace paynotify::worker {
namespace {

TEST(StoreGeneration, DecisionTable) {
  const std::string g = "abc@run-1";
  struct Row {
    bool trusted;
    std::string trusted_value;
    std::optional<std::string> seen;
    std::string run_id;
    GenerationStep step;
    const char* why;
  } rows[] = {
      {true, g, g, "run-1", GenerationStep::keep, "nothing changed"},
      {true, g, std::nullopt, "run-1", GenerationStep::rebuild, "the key vanished: data lost"},
      {false, "", std::nullopt, "run-1", GenerationStep::rebuild,
       "a new Redis, or lost while we were away"},
      {true, g, g, "run-2", GenerationStep::rebuild,
       "restarted or failed over: the last writes may be lost"},
      {false, "", g, "run-1", GenerationStep::adopt, "a worker starting against a known Redis"},
      {true, g, "def@run-1", "run-1", GenerationStep::adopt, "another worker rebuilt meanwhile"},
      {false, g, g, "run-1", GenerationStep::adopt, "distrusted by a reconnect to the same server"},
      {true, g, g, "", GenerationStep::keep, "INFO disabled: judged by the key alone"},
      {false, "", "def@run-0", "", GenerationStep::adopt, "INFO disabled: a key is trusted"},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(decide_generation(r.trusted, r.trusted_value, r.seen, r.run_id), r.step) << r.why;
  }
}

TEST(StoreGeneration, MintedValuesNameTheirRunAndDiffer) {
  const std::string a = mint_generation("run-1"), b = mint_generation("run-1");
  EXPECT_NE(a, b);
  EXPECT_EQ(run_id_of_generation(a), "run-1");
  EXPECT_EQ(run_id_of_generation("no-at-sign"), "");
}

TEST(StoreGeneration, DistrustHidesTheValueUntilTheNextAdopt) {
  StoreGeneration g;
  EXPECT_FALSE(g.trusted());
  EXPECT_EQ(g.value(), "");
  g.adopt("abc@run-1", "run-1");
  EXPECT_EQ(g.value(), "abc@run-1");
  EXPECT_TRUE(g.distrust("lost"));
  EXPECT_FALSE(g.distrust("lost again")) << "reported once";
  EXPECT_EQ(g.value(), "");
  EXPECT_EQ(g.distrust_reason(), "lost");
  EXPECT_EQ(g.run_id(), "run-1") << "kept: the next connection compares against it";
  g.adopt("def@run-1", "run-1");
  EXPECT_EQ(g.value(), "def@run-1");
}

}  // namespace
}  // namespace paynotify::worker
