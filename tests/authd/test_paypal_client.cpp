// authd's PayPal client against the PayPal look-alike: the wire format and
// the errors sorted by cause.

#include <gtest/gtest.h>

#include "browser.hpp"
#include "fixtures/paypal_sandbox.hpp"
#include "authd/paypal_client.hpp"

namespace {

class PayPalClientTest : public ::testing::Test {
 protected:
  authd::PayPalClient client(const std::string& secret) {
    authd::PayPalClientOptions options;
    options.client_id = sandbox_.options().client_id;
    options.client_secret = secret;
    options.endpoints = {sandbox_.authorize_url(), sandbox_.base_url()};
    options.ca_pem = sandbox_.ca_pem();
    options.timeout = std::chrono::milliseconds(1000);
    return authd::PayPalClient(options);
  }
  // A code as PayPal's consent page hands it out.
  std::string consent_code(const authd::PayPalClient& paypal) {
    authd_test::Browser browser(sandbox_.ca_pem());
    auto url = paypal.authorize_url("st", "https://login.example/callback");
    auto outcome = browser.navigate(url, "https://login.example/callback");
    EXPECT_TRUE(outcome && outcome->reached_stop);
    return outcome ? authd_test::query_of(outcome->final_url)["code"] : "";
  }
  fixtures::PayPalSandbox sandbox_;
};

TEST_F(PayPalClientTest, AuthorizeUrlCarriesTheDocumentedParameters) {
  auto url = client("s").authorize_url("the-state", "https://login.example/callback");
  EXPECT_TRUE(url.starts_with(sandbox_.authorize_url() + "?"));
  auto query = authd_test::query_of(url);
  EXPECT_EQ(query["response_type"], "code");
  EXPECT_EQ(query["client_id"], sandbox_.options().client_id);
  EXPECT_EQ(query["scope"], "openid email https://uri.paypal.com/services/paypalattributes");
  EXPECT_EQ(query["redirect_uri"], "https://login.example/callback");
  EXPECT_EQ(query["state"], "the-state");
}

TEST_F(PayPalClientTest, CodeExchangeAndUserInfo) {
  auto paypal = client(sandbox_.options().client_secret);
  auto token = paypal.exchange_code(consent_code(paypal));
  ASSERT_TRUE(token) << token.error().message;
  auto user = paypal.userinfo(*token);
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_EQ(user->payer_id, sandbox_.options().payer_id);
  EXPECT_EQ(user->email, sandbox_.options().email);
  EXPECT_TRUE(user->verified_account);
}

TEST_F(PayPalClientTest, ErrorsAreSortedByCause) {
  auto good = client(sandbox_.options().client_secret);
  auto bad_secret = client("wrong").exchange_code(consent_code(good));
  ASSERT_FALSE(bad_secret);
  EXPECT_EQ(bad_secret.error().kind, common::Error::Kind::permission);
  EXPECT_NE(bad_secret.error().message.find("invalid_client"), std::string::npos);

  auto bad_code = good.exchange_code("C21-not-a-code");
  ASSERT_FALSE(bad_code);
  EXPECT_EQ(bad_code.error().kind, common::Error::Kind::invalid_input);
  EXPECT_NE(bad_code.error().message.find("invalid_grant"), std::string::npos);

  sandbox_.set_token_failure(fixtures::UpstreamFailure::server_error);
  auto down = good.exchange_code("x");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, common::Error::Kind::environment);

  sandbox_.set_token_failure(fixtures::UpstreamFailure::timeout);
  auto slow = good.exchange_code("x");
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().kind, common::Error::Kind::environment);

  sandbox_.set_token_failure(fixtures::UpstreamFailure::malformed_json);
  auto garbled = good.exchange_code("x");
  ASSERT_FALSE(garbled);
  EXPECT_EQ(garbled.error().kind, common::Error::Kind::invalid_input);

  auto unknown_token = good.userinfo("A21AA-unknown");
  ASSERT_FALSE(unknown_token);
  EXPECT_EQ(unknown_token.error().kind, common::Error::Kind::permission);
}

}  // namespace
