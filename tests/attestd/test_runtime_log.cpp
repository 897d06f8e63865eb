// The runtime-configuration log: what attestd writes replays, and any
// tampering with it is caught.
#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "attestd/verify/runtime_log.hpp"

namespace {

using common::json;
namespace crypto = common::crypto;

std::vector<attest::RuntimeEvent> sample() {
  return {attest::config_event(15, "domain", std::string("login.example.com")),
          attest::config_event(15, "acme_directory", std::nullopt),
          attest::config_event(15, "domain", std::string("id.example.com"))};
}

TEST(RuntimeLog, EventDataIsTheDocumentedJson) {
  auto event = attest::config_event(15, "domain", std::string("a.example"));
  EXPECT_EQ(event.data, R"({"key":"domain","type":"config","value":"a.example"})");
  EXPECT_EQ(attest::config_event(15, "x", std::nullopt).data,
            R"({"key":"x","type":"config","value":null})");
}

TEST(RuntimeLog, ReplaysToTheExtendedValueAndLastValueWins) {
  auto log = attest::runtime_log_json(sample());
  auto replay = attest::replay_runtime_log(log);
  ASSERT_TRUE(replay) << replay.error().message;
  std::string pcr(32, '\0');
  for (const auto& e : sample()) pcr = crypto::sha256(pcr + crypto::sha256(e.data));
  EXPECT_EQ(replay->pcrs.at(15), pcr);
  EXPECT_EQ(replay->config.at("domain"), "id.example.com");
  EXPECT_EQ(replay->config.at("acme_directory"), std::nullopt);
}

TEST(RuntimeLog, StartsFromTheGivenInitialValues) {
  auto log = attest::runtime_log_json({sample()[0]});
  std::string initial(32, '\x01');
  auto replay = attest::replay_runtime_log(log, {{15, initial}});
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->pcrs.at(15), crypto::sha256(initial + crypto::sha256(sample()[0].data)));
}

TEST(RuntimeLog, RoundTripsThroughItsJson) {
  auto events = attest::runtime_events_from_json(attest::runtime_log_json(sample()));
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[2].data, sample()[2].data);
}

TEST(RuntimeLog, TamperingIsCaught) {
  auto log = attest::runtime_log_json(sample());
  {
    auto lie = log;  // readable value differs from what was measured
    lie[0]["value"] = "evil.example.com";
    auto r = attest::replay_runtime_log(lie);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("differ"), std::string::npos);
  }
  {
    auto lie = log;  // data changed, digest kept
    lie[0]["data"] = crypto::base64(R"({"key":"domain","type":"config","value":"evil"})");
    auto r = attest::replay_runtime_log(lie);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("sha256"), std::string::npos);
  }
  {
    auto lie = log;
    lie[1]["pcr"] = 99;
    EXPECT_FALSE(attest::replay_runtime_log(lie));
  }
  EXPECT_FALSE(attest::replay_runtime_log(json::object()));
  EXPECT_FALSE(attest::replay_runtime_log(json::array({1, 2})));
}

}  // namespace
