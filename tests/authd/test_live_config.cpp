// Configuration changes reach a running authd: from attestd's
// config.updated (the appliance) and from the metadata server (local runs).
// A new relying party can log in, a removed one cannot (not even a login
// already at PayPal), an invalid change is refused with a log line while the
// configuration in force keeps working, and logins, codes and tokens that do
// not depend on the change survive it.

#include <gtest/gtest.h>

#include "browser.hpp"
#include "common/crypto.hpp"
#include "daemon_fixture.hpp"
#include "flow.hpp"

namespace {

using namespace authd_test;
using namespace std::chrono_literals;

const RelyingParty kNewApp{"newapp", "", "https://new.example/cb"};
// The tests poll /authorize until a change shows; they are not what is limited.
const std::vector<std::string> kNoRateLimits = {"--rate-limit-burst=100000",
                                                "--rate-limit-per-second=100000"};

// oidc_clients with webapp and the new public client; otherapp and spa removed.
std::string changed_clients() {
  common::json clients = common::json::array();
  clients.push_back(
      {{"client_id", kWebApp.client_id},
       {"redirect_uris", {kWebApp.redirect_uri}},
       {"client_secret_sha256", common::crypto::hex(common::crypto::sha256(kWebApp.secret))}});
  clients.push_back({{"client_id", kNewApp.client_id},
                     {"redirect_uris", {kNewApp.redirect_uri}},
                     {"public", true}});
  return clients.dump();
}

class AuthdLiveConfigTest : public AuthdDaemonTest {
 protected:
  // The status of /authorize for `rp`, and whether it sent the person on to PayPal.
  std::pair<int, bool> authorize(Browser& browser, const RelyingParty& rp) {
    auto params = authorize_params(rp);
    params.code_challenge = make_pkce().challenge;
    auto response = browser.get(authorize_url(issuer_, params));
    if (!response) return {-1, false};
    auto location = response->header("location").value_or("");
    return {response->status, location.starts_with(paypal_.authorize_url())};
  }
  bool accepts(const RelyingParty& rp) {
    Browser browser(ca_);
    return fixtures::wait_until([&] { return authorize(browser, rp).second; }, 10s);
  }
  bool refuses(const RelyingParty& rp) {
    Browser browser(ca_);
    return fixtures::wait_until([&] { return authorize(browser, rp).first == 400; }, 10s);
  }
  // Starts a login and stops at PayPal's consent page, as a person would.
  std::string start_login(Browser& browser, const RelyingParty& rp) {
    auto params = authorize_params(rp);
    params.code_challenge = make_pkce().challenge;
    auto response = browser.get(authorize_url(issuer_, params));
    return response ? response->header("location").value_or("") : "";
  }
};

TEST_F(AuthdLiveConfigTest, FollowsAttestdConfigUpdates) {
  peers_->serve_attestd_config(measured_config());
  auto authd = start_authd("attestd", kNoRateLimits);
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  ASSERT_TRUE(refuses(kNewApp));

  // Before the change: a finished login (its access token) and two logins
  // waiting at PayPal, one for a client that stays and one that goes.
  Browser browser(ca_);
  auto pkce = make_pkce();
  auto params = authorize_params(kWebApp);
  params.code_challenge = pkce.challenge;
  auto done = browser.navigate(authorize_url(issuer_, params), kWebApp.redirect_uri);
  ASSERT_TRUE(done && done->reached_stop) << log();
  auto token =
      post_token(issuer_, ca_,
                 code_form(query_of(done->final_url)["code"], kWebApp.redirect_uri, pkce.verifier),
                 std::make_pair(kWebApp.client_id, kWebApp.secret));
  ASSERT_TRUE(token && token->status == 200);
  const std::string access_token = common::json::parse(token->body)["access_token"];
  Browser staying(ca_), leaving(ca_);
  const std::string staying_at_paypal = start_login(staying, kWebApp);
  const std::string leaving_at_paypal = start_login(leaving, kOtherApp);
  ASSERT_TRUE(staying_at_paypal.starts_with(paypal_.authorize_url()));
  ASSERT_TRUE(leaving_at_paypal.starts_with(paypal_.authorize_url()));

  // attestd's answer at (re)connection equals what authd started with: no change.
  EXPECT_TRUE(events("config.updated").empty()) << log();
  auto changed = measured_config();
  changed["oidc_clients"] = changed_clients();
  peers_->publish_attestd_config(changed);
  EXPECT_TRUE(accepts(kNewApp)) << log();
  EXPECT_TRUE(refuses(kOtherApp)) << log();
  EXPECT_FALSE(events("config.updated").empty()) << log();

  // The login of the client that stays completes; the other one ends on a page.
  auto finished = staying.navigate(staying_at_paypal, kWebApp.redirect_uri);
  ASSERT_TRUE(finished);
  EXPECT_TRUE(finished->reached_stop) << finished->last.body;
  auto orphan = leaving.navigate(leaving_at_paypal, kOtherApp.redirect_uri);
  ASSERT_TRUE(orphan);
  EXPECT_FALSE(orphan->reached_stop) << "never a redirect for an unregistered client";
  EXPECT_EQ(orphan->last.status, 400);
  EXPECT_NE(orphan->last.body.find("no longer registered"), std::string::npos);
  auto userinfo = get_with_bearer(issuer_ + "/userinfo", ca_, access_token);
  ASSERT_TRUE(userinfo);
  EXPECT_EQ(userinfo->status, 200) << "access tokens survive a configuration change";
  auto removed = post_token(issuer_, ca_, code_form("any", kOtherApp.redirect_uri),
                            std::make_pair(kOtherApp.client_id, kOtherApp.secret));
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 401);
  EXPECT_NE(removed->body.find("invalid_client"), std::string::npos);

  // An invalid change is refused with its reason; the configuration in force stays.
  auto invalid = changed;
  invalid["oidc_clients"] = R"([{"client_id": "broken"}])";
  peers_->publish_attestd_config(invalid);
  EXPECT_TRUE(fixtures::wait_until([&] { return !events("config.rejected").empty(); }, 10s))
      << log();
  EXPECT_NE(events("config.rejected").front().value("reason", "").find("broken"), std::string::npos)
      << log();
  EXPECT_TRUE(accepts(kNewApp));
  EXPECT_TRUE(refuses(kOtherApp));
  EXPECT_TRUE(authd.running());
  EXPECT_EQ(log().find(paypal_.options().client_secret), std::string::npos);
}

TEST_F(AuthdLiveConfigTest, FollowsTheMetadataServer) {
  auto flags = kNoRateLimits;
  flags.push_back("--config-poll-seconds=1");
  auto authd = start_authd("metadata", flags);
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  ASSERT_TRUE(refuses(kNewApp));
  metadata_.set_instance_attribute("oidc_clients", changed_clients());
  EXPECT_TRUE(accepts(kNewApp)) << log();
  EXPECT_TRUE(refuses(kOtherApp)) << log();

  // The domain is part of the configuration too: the issuer follows it.
  const std::string new_issuer = "https://127.0.0.1:" + std::to_string(port_);
  metadata_.set_instance_attribute("domain", "127.0.0.1:" + std::to_string(port_));
  EXPECT_TRUE(fixtures::wait_until(
      [&] {
        auto doc = get_json(issuer_ + "/.well-known/openid-configuration", ca_);
        return doc && (*doc)["issuer"] == new_issuer;
      },
      10s))
      << log();

  metadata_.set_instance_attribute("paypal_environment", "staging");
  // ASSERT: with no rejection logged (authd died, say) there is nothing to
  // read below, and front() on an empty list would crash the test binary.
  ASSERT_TRUE(fixtures::wait_until([&] { return !events("config.rejected").empty(); }, 10s))
      << log();
  EXPECT_NE(events("config.rejected").front().value("reason", "").find("paypal_environment"),
            std::string::npos)
      << log();
  EXPECT_TRUE(accepts(kNewApp));
  EXPECT_TRUE(authd.running());
}

}  // namespace
