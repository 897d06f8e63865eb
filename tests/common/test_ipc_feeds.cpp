// The typed contracts and the two sides of a feed: each payload's JSON form
// (what a producer writes is what every consumer accepts, and nothing else),
// ipc::Publisher serving the latest value, ipc::follow decoding it, and the
// certificate follower's rule that a bootstrap never replaces the CA's
// certificate.
#include <unistd.h>

#include <cstdlib>
#include <mutex>

#include <gtest/gtest.h>

#include "common/certificate_follower.hpp"
#include "common/crypto.hpp"
#include "common/ipc_client.hpp"
#include "common/ipc_publisher.hpp"
#include "common/x509.hpp"
#include "fixtures/process.hpp"
#include "ipc_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using common::json;
namespace contract = common::contract;
namespace ipc = common::ipc;

struct Pair {
  std::string chain_pem;
  std::string key_pem;
};

Pair make_pair(const std::string& name, std::chrono::hours validity = 24h) {
  auto key = common::crypto::generate_p256().value();
  return {common::x509::self_signed_pem(key.get(), {name}, validity).value(),
          common::crypto::private_key_pem(key.get()).value()};
}

contract::Certificate payload(const Pair& pair, bool self_signed) {
  auto leaf = common::x509::describe_leaf_pem(pair.chain_pem).value();
  return {pair.chain_pem, pair.key_pem, leaf.not_after.time_since_epoch().count(), self_signed,
          common::crypto::hex(leaf.spki_sha256)};
}

std::chrono::sys_seconds now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

TEST(Contracts, CertificateRoundTripsAndRejectsWhatIsMissingOrMistyped) {
  auto sent = payload(make_pair("login.example.com"), true);
  auto back = contract::Certificate::from_json(sent.to_json());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->chain_pem, sent.chain_pem);
  EXPECT_EQ(back->not_after, sent.not_after);
  EXPECT_TRUE(back->self_signed);
  EXPECT_EQ(back->spki_sha256, sent.spki_sha256);
  for (const char* field : {"chain_pem", "key_pem", "not_after", "self_signed", "spki_sha256"}) {
    json broken = sent.to_json();
    broken.erase(field);
    EXPECT_FALSE(contract::Certificate::from_json(broken)) << field;
    broken[field] = json::array();
    EXPECT_FALSE(contract::Certificate::from_json(broken)) << field;
  }
  json short_digest = sent.to_json();
  short_digest["spki_sha256"] = "abc";
  EXPECT_FALSE(contract::Certificate::from_json(short_digest));
  EXPECT_FALSE(contract::Certificate::from_json(json("text")));
}

TEST(Contracts, JwksDigestMustBeThatOfTheKeySet) {
  json keys = {{"keys", json::array({{{"kty", "EC"}, {"kid", "k1"}}})}};
  contract::Jwks good{keys, common::crypto::hex(common::crypto::sha256(common::dump_json(keys)))};
  ASSERT_TRUE(contract::Jwks::from_json(good.to_json()));
  contract::Jwks lying = good;
  lying.sha256 = common::crypto::hex(common::crypto::sha256("{\"keys\":[]}"));
  auto refused = contract::Jwks::from_json(lying.to_json());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("digest"), std::string::npos);
  EXPECT_FALSE(contract::Jwks::from_json(json{{"jwks", json::object()}, {"sha256", good.sha256}}));
}

TEST(Contracts, MeasuredConfigInitStatusAndRestartRequest) {
  contract::MeasuredConfig config{{{"domain", "login.example.com"}, {"acme_contact", ""}}};
  EXPECT_EQ(contract::MeasuredConfig::from_json(config.to_json()).value(), config);
  EXPECT_FALSE(contract::MeasuredConfig::from_json(json{{"config", {{"domain", 3}}}}));
  EXPECT_FALSE(contract::MeasuredConfig::from_json(json::object()));

  contract::InitStatus status;
  status.services.push_back({"attestd", "ready", 42, 1, 0, std::nullopt, 7});
  status.services.push_back({"authd", "backoff", 0, 3, std::nullopt, 9, 0});
  auto decoded = contract::InitStatus::from_json(status.to_json());
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_EQ(decoded->services.size(), 2U);
  EXPECT_EQ(decoded->services[0].last_exit_code, 0);
  EXPECT_EQ(decoded->services[1].last_exit_signal, 9);
  EXPECT_EQ(status.to_json()["services"][1]["last_exit"], (json{{"signal", 9}}));

  EXPECT_EQ(contract::RestartRequest::from_json(json{{"service", "authd"}})->service, "authd");
  EXPECT_FALSE(contract::RestartRequest::from_json(json{{"service", ""}}));
  EXPECT_FALSE(contract::RestartRequest::from_json(json::array()));
}

TEST(Contracts, EgressStatusRestoringAndRestored) {
  contract::EgressStatus restoring{"restoring", false, "0x01001500", {}, {}, {}, {}, {}};
  auto back = contract::EgressStatus::from_json(restoring.to_json());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->state, "restoring");
  EXPECT_FALSE(back->bytes);
  contract::EgressStatus over{"over",  true,    "0x01001500", "2026-12",
                              5000000, 4000000, {50, 75},     "eth0"};
  const json sent = over.to_json();
  EXPECT_EQ(sent["cap_bytes"], 4000000);
  back = contract::EgressStatus::from_json(sent);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->bytes, 5000000);
  EXPECT_EQ(back->warn_percent, (std::vector<std::int64_t>{50, 75}));
  json no_figures = sent;
  no_figures.erase("bytes");
  EXPECT_FALSE(contract::EgressStatus::from_json(no_figures));
  contract::EgressStatus uncapped = over;
  uncapped.cap_bytes.reset();
  EXPECT_TRUE(uncapped.to_json()["cap_bytes"].is_null());
  EXPECT_FALSE(contract::EgressStatus::from_json(uncapped.to_json())->cap_bytes);
}

TEST(CertificateDecision, OnlyABootstrapOverAnUnexpiredCaCertificateForTheSameNamesIsKept) {
  using common::CertificateDecision;
  const auto t = now();
  common::CertificateStore::Summary ca{false, t + 24h, {"login.example.com"}, ""};
  const std::vector<std::string> same = {"login.example.com"};
  EXPECT_EQ(common::decide_certificate(std::nullopt, true, same, t), CertificateDecision::install);
  EXPECT_EQ(common::decide_certificate(ca, true, same, t), CertificateDecision::keep_current);
  EXPECT_EQ(common::decide_certificate(ca, false, same, t), CertificateDecision::install);
  auto expired = ca;
  expired.not_after = t - 1s;
  EXPECT_EQ(common::decide_certificate(expired, true, same, t), CertificateDecision::install);
  EXPECT_EQ(common::decide_certificate(ca, true, {"other.example.com"}, t),
            CertificateDecision::install);
  auto bootstrap = ca;
  bootstrap.self_signed = true;
  EXPECT_EQ(common::decide_certificate(bootstrap, true, same, t), CertificateDecision::install);
}

TEST(CertificateFollower, ChecksWhatAcmedClaimsAgainstTheLeaf) {
  common::CertificateStore store;
  auto pair = make_pair("login.example.com");
  auto claimed = payload(pair, false);
  claimed.spki_sha256 = std::string(64, 'a');
  EXPECT_FALSE(common::accept_certificate(store, claimed, now()));
  claimed = payload(pair, false);
  claimed.not_after += 1;
  EXPECT_FALSE(common::accept_certificate(store, claimed, now()));
  EXPECT_FALSE(store.has_identity());
  EXPECT_EQ(common::accept_certificate(store, payload(pair, false), now()), true);
  auto summary = store.summary();
  ASSERT_TRUE(summary);
  EXPECT_FALSE(summary->self_signed);
  EXPECT_EQ(summary->dns_names, std::vector<std::string>{"login.example.com"});
  // acmed restarted: its bootstrap does not displace the CA's certificate.
  EXPECT_EQ(common::accept_certificate(store, payload(make_pair("login.example.com"), true), now()),
            false);
  EXPECT_EQ(store.spki_sha256_hex(), payload(pair, false).spki_sha256);
}

// A run directory of our own for the feeds' sockets.
class Feeds : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* saved = std::getenv("APPLIANCE_RUN_DIR");
    saved_ = saved != nullptr ? std::optional<std::string>(saved) : std::nullopt;
    ::setenv("APPLIANCE_RUN_DIR", dir_.path().c_str(), 1);
  }
  void TearDown() override {
    io_.stop();
    if (saved_)
      ::setenv("APPLIANCE_RUN_DIR", saved_->c_str(), 1);
    else
      ::unsetenv("APPLIANCE_RUN_DIR");
  }
  fixtures::TempDir dir_;
  std::optional<std::string> saved_;
  ipc_test::IoThread io_;
};

template <class T>
class Received {
 public:
  std::function<void(T)> callback() {
    return [this](T value) {
      std::lock_guard lock(mutex_);
      values_.push_back(std::move(value));
    };
  }
  std::vector<T> values() {
    std::lock_guard lock(mutex_);
    return values_;
  }

 private:
  std::mutex mutex_;
  std::vector<T> values_;
};

TEST_F(Feeds, FollowGetsTheLatestValueThenEachUpdateDecoded) {
  auto publisher =
      ipc::Publisher<contract::MeasuredConfig>::start(io_.io, contract::attestd::config_feed);
  ASSERT_TRUE(publisher) << publisher.error().message;
  // Nothing published yet: `get` says so (an environment error, retried).
  auto early = ipc::Client::connect(contract::socket_path(contract::attestd::socket));
  ASSERT_TRUE(early);
  EXPECT_FALSE(early->call(contract::attestd::config_get));

  Received<contract::MeasuredConfig> seen;
  auto follower = ipc::follow<contract::MeasuredConfig>(io_.io, contract::attestd::config_feed,
                                                        seen.callback());
  (*publisher)->publish({{{"domain", "a.example.com"}}});
  ASSERT_TRUE(fixtures::wait_until([&] { return seen.values().size() == 1; }, 10s));
  (*publisher)->publish({{{"domain", "b.example.com"}}});
  ASSERT_TRUE(fixtures::wait_until([&] { return seen.values().size() == 2; }, 10s));
  EXPECT_EQ(seen.values()[0].values.at("domain"), "a.example.com");
  EXPECT_EQ(seen.values()[1].values.at("domain"), "b.example.com");
  auto reply = early->call(contract::attestd::config_get);
  ASSERT_TRUE(reply);
  EXPECT_EQ(contract::MeasuredConfig::from_json(*reply)->values.at("domain"), "b.example.com");
}

TEST_F(Feeds, AMalformedPayloadIsDroppedAndTheLastGoodOneStands) {
  // A producer that does not follow the contract (a raw server on the feed).
  auto server = ipc::serve(io_.io, contract::authd::jwks_feed.endpoint);
  ASSERT_TRUE(server) << server.error().message;
  json keys = {{"keys", json::array()}};
  json good =
      contract::Jwks{keys, common::crypto::hex(common::crypto::sha256(common::dump_json(keys)))}
          .to_json();
  (*server)->on(std::string(contract::authd::jwks_get),
                [good](const json&, const ipc::Peer&) -> common::Result<json> { return good; });
  Received<contract::Jwks> seen;
  auto follower = ipc::follow<contract::Jwks>(io_.io, contract::authd::jwks_feed, seen.callback());
  ASSERT_TRUE(fixtures::wait_until([&] { return seen.values().size() == 1; }, 10s));
  (*server)->publish(contract::authd::jwks_updated, json{{"jwks", keys}, {"sha256", "00"}});
  (*server)->publish(contract::authd::jwks_updated, good);
  ASSERT_TRUE(fixtures::wait_until([&] { return seen.values().size() == 2; }, 10s));
  EXPECT_EQ(seen.values()[1].sha256, good["sha256"]);
  (*server)->close();
}

}  // namespace
