// The authd binary over real HTTPS, configured from the GCP metadata
// look-alike (secret through the Secret Manager look-alike), certificate from
// a stand-in for acmed over the real IPC contract, PayPal look-alike upstream.
// The id_token is verified with OpenSSL and with PyJWT.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>

#include "browser.hpp"
#include "common/crypto.hpp"
#include "common/ipc_client.hpp"
#include "common/ipc_contracts.hpp"
#include "daemon_fixture.hpp"
#include "flow.hpp"
#include "jwt_check.hpp"

namespace {

using namespace authd_test;
using namespace std::chrono_literals;

TEST_F(AuthdDaemonTest, LoginEndToEndVerifiedWithOpenSslAndPyJwt) {
  auto authd = start_authd();
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  Browser browser(ca_);
  auto pkce = make_pkce();
  auto params = authorize_params(kWebApp);
  params.code_challenge = pkce.challenge;
  auto outcome = browser.navigate(authorize_url(issuer_, params), kWebApp.redirect_uri);
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_TRUE(outcome->reached_stop) << outcome->last.status << outcome->last.body << log();
  auto rp = query_of(outcome->final_url);
  ASSERT_EQ(rp["state"], params.state);
  auto token = post_token(issuer_, ca_, code_form(rp["code"], kWebApp.redirect_uri, pkce.verifier),
                          std::make_pair(kWebApp.client_id, kWebApp.secret));
  ASSERT_TRUE(token);
  ASSERT_EQ(token->status, 200) << token->body;
  auto body = common::json::parse(token->body);
  const std::string id_token = body["id_token"];

  auto discovery = get_json(issuer_ + "/.well-known/openid-configuration", ca_);
  ASSERT_TRUE(discovery);
  auto jwks = get_json((*discovery)["jwks_uri"], ca_);
  ASSERT_TRUE(jwks);
  auto verified = verify_es256_jwt(id_token, *jwks);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->claims["iss"], issuer_);
  EXPECT_EQ(verified->claims["aud"], kWebApp.client_id);
  EXPECT_EQ(verified->claims["nonce"], params.nonce);
  EXPECT_EQ(verified->claims["sub"], paypal_.options().payer_id);

  // The same token through a standard library (PyJWT), if Debian's is here.
  // A python3 from PATH with PyJWT (Debian's, or the Nix dev shell's).
  const auto found = fixtures::python3_with("jwt, cryptography");
  const auto python = found.value_or("python3");
  if (!found) {
    GTEST_SKIP() << "python3-jwt not installed; OpenSSL verification passed";
  }
  std::ofstream(run_dir_.path() / "jwks.json") << jwks->dump();
  std::ofstream(run_dir_.path() / "id_token") << id_token;
  auto script = std::filesystem::path(AUTHD_TEST_DIR) / "verify_id_token.py";
  auto pyjwt = fixtures::run_command(
      {python.string(), script.string(), (run_dir_.path() / "jwks.json").string(),
       (run_dir_.path() / "id_token").string(), issuer_, kWebApp.client_id, params.nonce});
  EXPECT_EQ(pyjwt.exit_code, 0) << pyjwt.output;
  EXPECT_NE(pyjwt.output.find(paypal_.options().payer_id), std::string::npos) << pyjwt.output;
  // A token for another audience is refused by the library too.
  auto wrong_aud = fixtures::run_command(
      {python.string(), script.string(), (run_dir_.path() / "jwks.json").string(),
       (run_dir_.path() / "id_token").string(), issuer_, kOtherApp.client_id, params.nonce});
  EXPECT_NE(wrong_aud.exit_code, 0) << wrong_aud.output;
  EXPECT_EQ(log().find(paypal_.options().client_secret), std::string::npos)
      << "the PayPal secret never reaches the log";
}

TEST_F(AuthdDaemonTest, PublishesItsJwksToAttestdAndSwapsCertificatesHot) {
  auto authd = start_authd();
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  auto client =
      common::ipc::Client::connect(common::contract::socket_path(common::contract::authd::socket));
  ASSERT_TRUE(client) << client.error().message;
  auto reply = client->call(common::contract::authd::jwks_get);
  ASSERT_TRUE(reply) << reply.error().message;
  common::HttpRequest request;
  request.url = issuer_ + "/jwks.json";
  request.ca_pem = ca_;
  request.only_ca_pem = true;
  auto served = common::http_request(request);
  ASSERT_TRUE(served);
  EXPECT_EQ((*reply)["sha256"], common::crypto::hex(common::crypto::sha256(served->body)));
  EXPECT_EQ((*reply)["jwks"], common::json::parse(served->body));

  auto renewed = make_identity();
  peers_->renew(renewed);
  EXPECT_TRUE(serving(renewed.chain_pem, authd)) << log();
  EXPECT_TRUE(authd.running());
}

TEST_F(AuthdDaemonTest, ConfigurationFromAttestd) {
  peers_->serve_attestd_config(measured_config());
  // attestd's values win: the metadata server's domain is wrong on purpose.
  metadata_.set_instance_attribute("domain", "wrong.example");
  auto authd = start_authd("attestd");
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  auto discovery = get_json(issuer_ + "/.well-known/openid-configuration", ca_);
  ASSERT_TRUE(discovery);
  EXPECT_EQ((*discovery)["issuer"], issuer_);
}

TEST_F(AuthdDaemonTest, BadConfigurationExitsWithAPermanentError) {
  metadata_.set_instance_attribute("oidc_clients", "[{\"client_id\": \"x\"}]");
  auto authd = start_authd();
  auto status = authd.wait_exit(15s);
  ASSERT_TRUE(status) << log();
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 100) << log();
  auto failed = events("daemon.start_failed");
  ASSERT_EQ(failed.size(), 1U) << log();
  EXPECT_NE(failed[0].value("reason", "").find("oidc_clients"), std::string::npos) << log();
}

// Issue 12 item 3: production cannot be pointed at the simulation: the
// environment must be named, and endpoint overrides need sandbox and https.
TEST_F(AuthdDaemonTest, ProductionRefusesTheSimulationsOverrides) {
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"paypal_environment", ""},
      {"paypal_environment", "live"},  // with the look-alike's URLs and CA
      {"paypal_api_base", "http://localhost:" + std::to_string(paypal_.port())},
  };
  for (const auto& [key, value] : refused) {
    const common::json config = measured_config();
    for (auto it = config.begin(); it != config.end(); ++it) {
      metadata_.set_instance_attribute(it.key(), it->get<std::string>());
    }
    if (value.empty()) {
      metadata_.remove_instance_attribute(key);
    } else {
      metadata_.set_instance_attribute(key, value);
    }
    auto authd = start_authd();
    auto status = authd.wait_exit(15s);
    ASSERT_TRUE(status) << key << "=" << value << "\n" << log();
    EXPECT_TRUE(WIFEXITED(*status));
    EXPECT_EQ(WEXITSTATUS(*status), 100) << key << "=" << value << "\n" << log();
    auto failed = events("daemon.start_failed");  // one per start: the log is appended to
    ASSERT_FALSE(failed.empty()) << log();
    EXPECT_NE(failed.back().value("reason", "").find(key), std::string::npos) << log();
  }
}

TEST_F(AuthdDaemonTest, RateLimitsAndSizeLimitsHold) {
  auto authd = start_authd("metadata", {"--rate-limit-burst=3", "--rate-limit-per-second=1"});
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  Browser browser(ca_);
  int limited = 0;
  for (int i = 0; i < 8; ++i) {
    auto response = browser.get(authorize_url(issuer_, authorize_params(kWebApp)));
    ASSERT_TRUE(response);
    if (response->status == 429) ++limited;
  }
  EXPECT_GE(limited, 3);
  auto big = post_token(issuer_, ca_, {{"code", std::string(200 * 1024, 'a')}},
                        std::make_pair(kWebApp.client_id, kWebApp.secret));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  // Discovery is not rate limited: it is what load balancers and libraries poll.
  for (int i = 0; i < 20; ++i) {
    auto doc = get_json(issuer_ + "/.well-known/openid-configuration", ca_);
    ASSERT_TRUE(doc);
  }
}

}  // namespace
