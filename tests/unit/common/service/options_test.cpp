#include "common/service/options.hpp"

#include <gtest/gtest.h>

namespace paynotify {
namespace {

Options sample() {
  return Options(
      "prog", "summary",
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
  f.parse({"--listen", "127.0.0.1:2", "--count=9"},
          {"PAYNOTIFY_LISTEN=127.0.0.1:1", "PAYNOTIFY_COUNT=7"});
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
          {"PAYNOTIFY_KAFKA_PROP_SASL_MECHANISM=PLAIN",
           "PAYNOTIFY_KAFKA_PROP_SECURITY_PROTOCOL=PLAINTEXT"});
  const auto props = o.kafka_properties();
  EXPECT_EQ(props.at("sasl.mechanism"), "PLAIN");
  EXPECT_EQ(props.at("security.protocol"), "SASL_SSL");  // the flag wins
}

// The ConfigError's text from parsing `args` with a secret option beside sample()'s.
std::string parse_error(const std::vector<std::string>& args) {
  Options o("prog", "summary",
            {{"listen", "0.0.0.0:8080", "l"}, {"token", "", "t", false, false, /*env_only=*/true}});
  try {
    o.parse(args, {});
    o.kafka_properties();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Options, AnEnvironmentOnlyOptionIsRefusedAsAFlagNamingItsVariable) {
  for (const auto& args : {std::vector<std::string>{"--token", "S3cret"}, {"--token=S3cret"}}) {
    const std::string why = parse_error(args);
    EXPECT_NE(why.find("set PAYNOTIFY_TOKEN"), std::string::npos) << why;
    EXPECT_EQ(why.find("S3cret"), std::string::npos) << why;
  }
  Options o("prog", "summary", {{"token", "", "t", false, false, /*env_only=*/true}});
  o.parse({}, {"PAYNOTIFY_TOKEN=S3cret"});
  EXPECT_EQ(o.str("token"), "S3cret");
  EXPECT_NE(o.help_text(false).find("PAYNOTIFY_TOKEN (environment only"), std::string::npos)
      << o.help_text(false);
  EXPECT_EQ(o.help_text().find("--token"), std::string::npos) << o.help_text();
}

TEST(Options, SecretKafkaPropertiesAreRefusedAsFlagsNamingTheirVariable) {
  for (const std::string key :
       {"sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.key.pem",
        "sasl.oauthbearer.client.secret", "some.future.password", "SASL.PASSWORD"}) {
    for (const auto& args : {std::vector<std::string>{"--kafka-prop", key + "=S3cret"},
                             {"--kafka-prop=" + key + "=S3cret"}}) {
      const std::string why = parse_error(args);
      EXPECT_NE(why.find("PAYNOTIFY_KAFKA_PROP_"), std::string::npos) << key << ": " << why;
      EXPECT_EQ(why.find("S3cret"), std::string::npos) << why;
    }
  }
  EXPECT_NE(parse_error({"--kafka-prop", "sasl.password=x"})
                .find("set PAYNOTIFY_KAFKA_PROP_SASL_PASSWORD"),
            std::string::npos);
  auto o = sample();
  o.parse({"--kafka-prop", "sasl.username=paynotify", "--kafka-prop", "ssl.key.location=/k.pem"},
          {"PAYNOTIFY_KAFKA_PROP_SASL_PASSWORD=S3cret"});
  const auto props = o.kafka_properties();
  EXPECT_EQ(props.at("sasl.password"), "S3cret");
  EXPECT_EQ(props.at("sasl.username"), "paynotify");
}

TEST(Options, AMalformedKafkaPropertyIsNotRepeated) {
  const std::string why = parse_error({"--kafka-prop", "sasl.password:S3cret"});
  EXPECT_NE(why.find("--kafka-prop must be key=value"), std::string::npos) << why;
  EXPECT_EQ(why.find("S3cret"), std::string::npos) << why;
}

TEST(Options, EndpointAcceptsBracketedIpv6) {
  auto o = sample();
  o.parse({"--listen", "[::1]:8080"}, {});
  EXPECT_EQ(o.endpoint("listen"), (std::pair<std::string, uint16_t>{"::1", 8080}));
}

}  // namespace
}  // namespace paynotify
