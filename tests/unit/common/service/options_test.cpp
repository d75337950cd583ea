#include "common/service/options.hpp"

#include <gtest/gtest.h>

namespace paynotify {
namespace {

Options sample() {
  return Options("prog", "summary",
                 {{"listen", "0.0.0.0:8080", "l"}, {"count", "5", "c"}, {"verbose", "", "v", true}});
}

TEST(Options, DefaultsEnvironmentAndFlagsInThatOrderOfStrength) {
  auto o = sample();
  o.parse({}, {});
  EXPECT_EQ(o.str("listen"), "0.0.0.0:8080");
  auto e = sample();
  e.parse({}, {"PAYNOTIFY_LISTEN=127.0.0.1:1", "PAYNOTIFY_COUNT=7"});
  EXPECT_EQ(e.str("listen"), "127.0.0.1:1");
  EXPECT_EQ(e.integer("count", 0, 10), 7);
  auto f = sample();
  f.parse({"--listen", "127.0.0.1:2", "--count=9"}, {"PAYNOTIFY_LISTEN=127.0.0.1:1", "PAYNOTIFY_COUNT=7"});
  EXPECT_EQ(f.str("listen"), "127.0.0.1:2");
  EXPECT_EQ(f.integer("count", 0, 10), 9);
}

TEST(Options, HelpAndVersion) {
  auto o = sample();
  EXPECT_EQ(o.parse({"--help"}, {}), Options::Outcome::help);
  EXPECT_NE(o.help_text().find("PAYNOTIFY_LISTEN"), std::string::npos);
  EXPECT_EQ(o.parse({"--version"}, {}), Options::Outcome::version);
}

TEST(Options, MistakesNameTheOption) {
  auto expect_error = [](std::vector<std::string> args, const std::string& mentions, auto&& read) {
    auto o = sample();
    try {
      o.parse(args, {});
      read(o);
      ADD_FAILURE() << "no error for " << mentions;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(mentions), std::string::npos) << e.what();
    }
  };
  auto nothing = [](const Options&) {};
  expect_error({"--nope"}, "--nope", nothing);
  expect_error({"--count"}, "--count", nothing);
  expect_error({"--count", "x"}, "--count", [](const Options& o) { o.integer("count", 0, 10); });
  expect_error({"--count", "11"}, "--count", [](const Options& o) { o.integer("count", 0, 10); });
  expect_error({"--listen", "nohost"}, "--listen", [](const Options& o) { o.endpoint("listen"); });
  expect_error({"--listen", "h:99999"}, "--listen", [](const Options& o) { o.endpoint("listen"); });
}

TEST(Options, SwitchesAndPositionals) {
  auto o = sample();
  o.parse({"--verbose", "file.json"}, {});
  EXPECT_TRUE(o.flag("verbose"));
  EXPECT_EQ(o.positional(), std::vector<std::string>{"file.json"});
}

TEST(Options, KafkaPropertiesFromFlagsAndEnvironment) {
  auto o = sample();
  o.parse({"--kafka-prop", "security.protocol=SASL_SSL"},
          {"PAYNOTIFY_KAFKA_PROP_SASL_MECHANISM=PLAIN", "PAYNOTIFY_KAFKA_PROP_SECURITY_PROTOCOL=PLAINTEXT"});
  const auto props = o.kafka_properties();
  EXPECT_EQ(props.at("sasl.mechanism"), "PLAIN");
  EXPECT_EQ(props.at("security.protocol"), "SASL_SSL");  // the flag wins
}

TEST(Options, EndpointAcceptsBracketedIpv6) {
  auto o = sample();
  o.parse({"--listen", "[::1]:8080"}, {});
  EXPECT_EQ(o.endpoint("listen"), (std::pair<std::string, uint16_t>{"::1", 8080}));
}

}  // namespace
}  // namespace paynotify
