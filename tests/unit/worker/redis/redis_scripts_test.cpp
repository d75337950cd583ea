// How a claim or a completion becomes a script call: the key names Redis already holds data
// under, the words in the order the Lua scripts read them, and the words' own storage.
#include "worker/redis/redis_scripts.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "worker/store/store_generation.hpp"

namespace paynotify::worker {
namespace {

std::vector<std::string> words_of(const ScriptCall& call) {
  return {call.words.begin(), call.words.end()};
}

TEST(StoreKeys, KeepTheNamesRedisHoldsDataUnder) {
  const EventKey key{"P1", "CAPTURE_RESULT:c1"};
  EXPECT_EQ(event_state_key(key), "paynotify:{P1}:event:CAPTURE_RESULT:c1");
  EXPECT_EQ(parked_key(key), "paynotify:{P1}:parked");
  EXPECT_EQ(parked_at_key(key), "paynotify:{P1}:parked-at");
  EXPECT_EQ(ledger_key("P1"), "paynotify:{P1}:ledger");
  EXPECT_EQ(anomaly_outbox_key("P1"), "paynotify:{P1}:anomaly-outbox");
  EXPECT_EQ(ledger_deadlines_key("antom.notifications"),
            "paynotify:ledger-deadlines:antom.notifications");
  EXPECT_EQ(ledger_uncaptured_key("antom.notifications"),
            "paynotify:ledger-uncaptured:antom.notifications");
  EXPECT_EQ(generation_key("antom.notifications"), "paynotify:generation:antom.notifications");
}

TEST(ScriptWords, EveryWordSurvivesTheOnesAfterItPastItsBlock) {
  ScriptWords w;
  std::vector<std::pair<std::string_view, std::string>> kept;
  for (int i = 0; i < 60; ++i) {  // about 3 KiB: most of them past the block
    const std::string id = "payment-" + std::to_string(i) + std::string(30, 'x');
    kept.emplace_back(w.own(ledger_key_pieces(id)), ledger_key(id));
    kept.emplace_back(w.own(int64_t{-1000} * i), std::to_string(-1000 * i));
  }
  for (const auto& [view, want] : kept) EXPECT_EQ(view, want);
}

TEST(ScriptCalls, AClaimCarriesItsFiveKeysThenItsArguments) {
  ScriptWords w;
  const ClaimRequest r{{"P1", "E1"}, "worker-a/t/0/7", 30000, true};
  const std::string generation = "gen-1", scope = "antom.notifications";  // outlive the call
  const ScriptCall call = claim_call(r, generation, scope, w);
  EXPECT_EQ(call.script, &kClaim);
  EXPECT_EQ(call.key_count, 5u);
  EXPECT_EQ(words_of(call),
            (std::vector<std::string>{event_state_key(r.key), parked_key(r.key),
                                      generation_key("antom.notifications"), ledger_key("P1"),
                                      anomaly_outbox_key("P1"), "worker-a/t/0/7", "30000", "E1",
                                      "gen-1", "1"}));
}

TEST(ScriptCalls, ACompletionWithALedgerWriteCarriesItsKeysArgumentsAndAnomalies) {
  ScriptWords w;
  auto update = std::make_shared<LedgerUpdate>();
  update->expected = "{old}";
  update->updated = "{new}";
  update->ttl_s = 86400;
  update->uncaptured_expiry_ms = 1700000000000;  // no deadline: off the watch
  update->anomalies = {{"a1", "{anomaly}"}};
  const CompleteRequest r{{"P1", "E1"}, "owner", 604800, update};
  const std::string scope = "scope";
  const ScriptCall call = complete_call(r, scope, w);
  EXPECT_EQ(call.script, &kCompleteWithLedger);
  EXPECT_EQ(call.key_count, 7u);
  EXPECT_EQ(words_of(call),
            (std::vector<std::string>{
                event_state_key(r.key), parked_key(r.key), parked_at_key(r.key), ledger_key("P1"),
                anomaly_outbox_key("P1"), ledger_deadlines_key("scope"),
                ledger_uncaptured_key("scope"), "owner", "604800", "E1", "{old}", "{new}", "86400",
                "", "P1", "1700000000000", "a1", "{anomaly}"}));
}

TEST(ScriptCalls, APlainCompletionCarriesThreeKeysAndThreeArguments) {
  ScriptWords w;
  const CompleteRequest r{{"P1", "E1"}, "owner", 604800, nullptr};
  const std::string scope = "scope";
  const ScriptCall call = complete_call(r, scope, w);
  EXPECT_EQ(call.script, &kComplete);
  EXPECT_EQ(call.key_count, 3u);
  EXPECT_EQ(words_of(call),
            (std::vector<std::string>{event_state_key(r.key), parked_key(r.key),
                                      parked_at_key(r.key), "owner", "604800", "E1"}));
}

}  // namespace
}  // namespace paynotify::worker
