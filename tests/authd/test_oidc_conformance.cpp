// A standard OpenID Connect relying-party library against the authd binary:
// Authlib (Debian python3-authlib) discovers authd, logs in through the
// PayPal look-alike with state, nonce and PKCE S256, redeems the code with
// client_secret_basic, client_secret_post and as a public client (PKCE
// only), validates the id_token against jwks_uri and reads /userinfo. The
// script (oidc_rp_conformance.py) also checks the discovery fields, the
// token response headers and the Bearer challenge that the specs require.

#include <gtest/gtest.h>

#include "common/json.hpp"
#include "daemon_fixture.hpp"
#include "flow.hpp"

namespace {

using namespace authd_test;

common::json rp(const RelyingParty& party, const std::string& auth_method) {
  return {{"client_id", party.client_id},
          {"client_secret", party.secret},
          {"redirect_uri", party.redirect_uri},
          {"auth_method", auth_method}};
}

TEST_F(AuthdDaemonTest, AuthlibRelyingPartyLogsInWithEveryClientAuthMethod) {
  // A python3 from PATH with Authlib (Debian's, or the Nix dev shell's).
  const auto found = fixtures::python3_with("authlib, requests");
  if (!found) {
    GTEST_FAIL() << "python3-authlib is missing (nix/deps-debian.txt; tests/ensure-deps.sh)";
  }
  const std::string python = found->string();
  auto authd = start_authd();
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  const auto ca_file = run_dir_.path() / "authd-ca.pem";
  const auto upstream_ca_file = run_dir_.path() / "paypal-ca.pem";
  fixtures::write_file(ca_file, identity_.chain_pem);
  fixtures::write_file(upstream_ca_file, paypal_.ca_pem());
  const common::json clients = {rp(kWebApp, "client_secret_basic"),
                                rp(kOtherApp, "client_secret_post"), rp(kSpa, "none")};
  const auto script = std::filesystem::path(AUTHD_TEST_DIR) / "oidc_rp_conformance.py";
  auto run = fixtures::run_command({python, script.string(), issuer_, ca_file.string(),
                                    upstream_ca_file.string(), clients.dump()},
                                   std::chrono::seconds(60));
  EXPECT_EQ(run.exit_code, 0) << run.output << log();
  EXPECT_NE(run.output.find("ALL OK"), std::string::npos) << run.output;
  for (const auto* party : {&kWebApp, &kOtherApp, &kSpa}) {
    EXPECT_NE(run.output.find("\"client_id\": \"" + party->client_id + "\""), std::string::npos)
        << run.output;
  }
  EXPECT_NE(run.output.find("\"sub\": \"" + paypal_.options().payer_id + "\""), std::string::npos)
      << run.output;
  EXPECT_TRUE(authd.running());
}

}  // namespace
