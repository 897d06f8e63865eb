// The provider in-process behind a real HTTPS server, with a fake clock, a
// scripted browser and the PayPal look-alike: the login flow and every
// attack the issue lists.

#include <gtest/gtest.h>

#include "fixtures/process.hpp"
#include "jwt_check.hpp"
#include "provider_fixture.hpp"

namespace {

using namespace authd_test;

TEST_F(ProviderTest, FullLoginIssuesAVerifiableIdToken) {
  Browser browser(ca_);
  auto params = authorize_params(kWebApp);
  auto outcome = browser.navigate(authorize_url(issuer_, params), kWebApp.redirect_uri);
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reached_stop) << outcome->last.body;
  ASSERT_EQ(outcome->hops.size(), 3U);  // authd /authorize, PayPal, authd /callback
  EXPECT_TRUE(outcome->hops[1].starts_with(paypal_->authorize_url()));
  auto rp = query_of(outcome->final_url);
  EXPECT_EQ(rp["state"], "rp-state-123");
  EXPECT_EQ(rp["iss"], issuer_);
  ASSERT_FALSE(rp["code"].empty());
  EXPECT_TRUE(browser.jar("localhost").empty()) << "the login cookie is cleared";

  auto response =
      post_token(issuer_, ca_, code_form(rp["code"], kWebApp.redirect_uri), basic(kWebApp));
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  EXPECT_EQ(response->header("cache-control").value_or(""), "no-store");
  EXPECT_EQ(response->header("pragma").value_or(""), "no-cache");
  auto body = token_json(response);
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_GT(body["expires_in"].get<std::int64_t>(), 0);

  auto jwks = get_json(issuer_ + "/jwks.json", ca_);
  ASSERT_TRUE(jwks);
  auto verified = verify_es256_jwt(body["id_token"].get<std::string>(), *jwks);
  ASSERT_TRUE(verified) << verified.error().message;
  const auto& claims = verified->claims;
  EXPECT_EQ(claims["iss"], issuer_);
  EXPECT_EQ(claims["aud"], kWebApp.client_id);
  EXPECT_EQ(claims["nonce"], "rp-nonce-456");
  EXPECT_GT(claims["exp"].get<std::int64_t>(), now_.load());
  EXPECT_EQ(claims["sub"], paypal_->options().payer_id) << "identity from user info, not id_token";
  EXPECT_EQ(claims["email"], "buyer@example.com");
  EXPECT_EQ(claims["email_verified"], true);
  EXPECT_EQ(claims["paypal_verified_account"], true);
  EXPECT_EQ(verified->header["kid"], keys_->active_kid());
  EXPECT_EQ(verified->header["alg"], "ES256");
  EXPECT_EQ(verified->header["typ"], "JWT");
  EXPECT_EQ(claims["at_hash"], authd::at_hash(body["access_token"].get<std::string>()));

  auto userinfo = get_with_bearer(issuer_ + "/userinfo", ca_, body["access_token"]);
  ASSERT_TRUE(userinfo);
  ASSERT_EQ(userinfo->status, 200);
  EXPECT_EQ(common::json::parse(userinfo->body)["sub"], paypal_->options().payer_id);
  EXPECT_EQ(paypal_->last_token_body().find("grant_type=authorization_code"), 0U);
}

TEST_F(ProviderTest, LoginCookieIsSecureHttpOnlyLax) {
  Browser browser(ca_);
  auto first = browser.get(authorize_url(issuer_, authorize_params(kWebApp)));
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 302);
  ASSERT_EQ(browser.jar("localhost").size(), 1U);
  const auto& [name, cookie] = *browser.jar("localhost").begin();
  EXPECT_TRUE(name.starts_with("__Host-"));
  for (const char* attribute : {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"}) {
    EXPECT_NE(cookie.attributes.find(attribute), std::string::npos) << attribute;
  }
  EXPECT_NE(first->header("strict-transport-security"), std::nullopt);
}

TEST_F(ProviderTest, PublicClientNeedsTheRightPkceVerifier) {
  auto pkce = make_pkce();
  Form base = {{"client_id", kSpa.client_id}};
  // Missing verifier.
  auto form = code_form(code_for(kSpa, pkce.challenge), kSpa.redirect_uri);
  form.insert(form.end(), base.begin(), base.end());
  EXPECT_EQ(token_json(post_token(issuer_, ca_, form))["error"], "invalid_grant");
  // Wrong verifier.
  form = code_form(code_for(kSpa, pkce.challenge), kSpa.redirect_uri, make_pkce().verifier);
  form.insert(form.end(), base.begin(), base.end());
  EXPECT_EQ(token_json(post_token(issuer_, ca_, form))["error"], "invalid_grant");
  // Right verifier.
  form = code_form(code_for(kSpa, pkce.challenge), kSpa.redirect_uri, pkce.verifier);
  form.insert(form.end(), base.begin(), base.end());
  auto ok = post_token(issuer_, ca_, form);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST_F(ProviderTest, PublicClientWithoutPkceIsRefusedAtAuthorize) {
  Browser browser(ca_);
  auto rp = login(browser, authorize_params(kSpa));
  EXPECT_EQ(rp["error"], "invalid_request");
  EXPECT_EQ(paypal_->authorize_requests(), 0);
}

TEST_F(ProviderTest, StateMismatchIsRefused) {
  Browser victim(ca_);
  auto at_paypal =
      victim.navigate(authorize_url(issuer_, authorize_params(kWebApp)), issuer_ + "/callback");
  ASSERT_TRUE(at_paypal && at_paypal->reached_stop);
  // The return URL replayed in another browser (login CSRF): no cookie.
  Browser attacker(ca_);
  auto forged = attacker.get(at_paypal->final_url);
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_FALSE(forged->header("location"));
  EXPECT_NE(forged->header("content-security-policy").value_or("").find("default-src 'none'"),
            std::string::npos);
  // A state authd never issued.
  auto unknown = victim.get(issuer_ + "/callback?code=x&state=not-a-state");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_NE(unknown->body.find("expired"), std::string::npos);
  EXPECT_EQ(paypal_->token_requests(), 0);
}

TEST_F(ProviderTest, ReplayedCodeIsRefusedAndRevokesTheFirstToken) {
  auto code = code_for(kWebApp);
  auto first =
      token_json(post_token(issuer_, ca_, code_form(code, kWebApp.redirect_uri), basic(kWebApp)));
  ASSERT_TRUE(first.contains("access_token"));
  auto second = post_token(issuer_, ca_, code_form(code, kWebApp.redirect_uri), basic(kWebApp));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 400);
  EXPECT_EQ(token_json(second)["error"], "invalid_grant");
  auto userinfo = get_with_bearer(issuer_ + "/userinfo", ca_, first["access_token"]);
  ASSERT_TRUE(userinfo);
  EXPECT_EQ(userinfo->status, 401);
}

TEST_F(ProviderTest, RedirectUriMustMatchExactly) {
  Browser browser(ca_);
  for (const std::string& uri :
       {kWebApp.redirect_uri + "/evil", std::string("https://evil.example/cb"),
        kWebApp.redirect_uri + "?x=1", kOtherApp.redirect_uri}) {
    auto params = authorize_params(kWebApp);
    params.redirect_uri = uri;
    auto response = browser.get(authorize_url(issuer_, params));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400) << uri;
    EXPECT_FALSE(response->header("location")) << "never redirect to " << uri;
  }
  // And at /token, the redirect_uri must repeat the authorization's.
  auto code = code_for(kWebApp);
  auto response =
      post_token(issuer_, ca_, code_form(code, kWebApp.redirect_uri + "/evil"), basic(kWebApp));
  EXPECT_EQ(token_json(response)["error"], "invalid_grant");
}

TEST_F(ProviderTest, UnknownClientsAndWrongSecretsAreRefused) {
  Browser browser(ca_);
  auto params = authorize_params(kWebApp);
  params.client_id = "nobody";
  auto page = browser.get(authorize_url(issuer_, params));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 400);
  EXPECT_FALSE(page->header("location"));

  auto code = code_for(kWebApp);
  auto unknown = post_token(issuer_, ca_, code_form(code, kWebApp.redirect_uri),
                            std::make_pair(std::string("nobody"), std::string("x")));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(token_json(unknown)["error"], "invalid_client");
  auto wrong = post_token(issuer_, ca_, code_form(code, kWebApp.redirect_uri),
                          std::make_pair(kWebApp.client_id, std::string("wrong")));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_NE(wrong->header("www-authenticate"), std::nullopt);
  // client_secret_post works too (with a fresh code: a failed attempt does
  // not consume one, since the client was not authenticated).
  auto form = code_form(code, kWebApp.redirect_uri);
  form.emplace_back("client_id", kWebApp.client_id);
  form.emplace_back("client_secret", kWebApp.secret);
  auto post = post_token(issuer_, ca_, form);
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200) << post->body;
}

TEST_F(ProviderTest, ExpiredCodeIsRefused) {
  auto code = code_for(kWebApp);
  now_ += 61;
  auto response = post_token(issuer_, ca_, code_form(code, kWebApp.redirect_uri), basic(kWebApp));
  EXPECT_EQ(token_json(response)["error"], "invalid_grant");
}

TEST_F(ProviderTest, ExpiredLoginEndsInStartAgain) {
  Browser browser(ca_);
  auto at_paypal =
      browser.navigate(authorize_url(issuer_, authorize_params(kWebApp)), issuer_ + "/callback");
  ASSERT_TRUE(at_paypal && at_paypal->reached_stop);
  now_ += 601;
  auto page = browser.get(at_paypal->final_url);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 400);
  EXPECT_NE(page->body.find("start again"), std::string::npos);
}

TEST_F(ProviderTest, CodeCannotBeSubstitutedAcrossClients) {
  auto code = code_for(kWebApp);
  auto response = post_token(issuer_, ca_, code_form(code, kWebApp.redirect_uri), basic(kOtherApp));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(token_json(response)["error"], "invalid_grant");
}

TEST_F(ProviderTest, OversizedRequestsAreRefused) {
  auto big_body =
      post_token(issuer_, ca_, {{"code", std::string(300 * 1024, 'a')}}, basic(kWebApp));
  ASSERT_TRUE(big_body);
  EXPECT_EQ(big_body->status, 413);
  Browser browser(ca_);
  auto params = authorize_params(kWebApp);
  params.state = std::string(20000, 's');
  auto long_uri = browser.get(authorize_url(issuer_, params));
  ASSERT_TRUE(long_uri);
  EXPECT_EQ(long_uri->status, 431);  // request line and headers over 16 KiB
  params.state = std::string(2000, 's');
  auto rp = login(browser, params);
  EXPECT_EQ(rp["error"], "invalid_request");
}

TEST_F(ProviderTest, DeniedConsentReturnsAccessDenied) {
  paypal_->set_deny_consent(true);
  Browser browser(ca_);
  auto rp = login(browser, authorize_params(kWebApp));
  EXPECT_EQ(rp["error"], "access_denied");
  EXPECT_EQ(rp["state"], "rp-state-123");
  EXPECT_FALSE(rp.contains("code"));
}

struct UpstreamCase {
  bool at_token;
  fixtures::UpstreamFailure failure;
  const char* error;
};

TEST_F(ProviderTest, UpstreamFailuresEndInAnOAuthError) {
  using F = fixtures::UpstreamFailure;
  for (auto c : {UpstreamCase{true, F::unauthorized, "server_error"},
                 UpstreamCase{true, F::server_error, "temporarily_unavailable"},
                 UpstreamCase{true, F::malformed_json, "server_error"},
                 UpstreamCase{true, F::timeout, "temporarily_unavailable"},
                 UpstreamCase{false, F::unauthorized, "server_error"},
                 UpstreamCase{false, F::server_error, "temporarily_unavailable"},
                 UpstreamCase{false, F::malformed_json, "server_error"}}) {
    paypal_->set_token_failure(c.at_token ? c.failure : F::none);
    paypal_->set_userinfo_failure(c.at_token ? F::none : c.failure);
    Browser browser(ca_);
    auto rp = login(browser, authorize_params(kWebApp));
    EXPECT_EQ(rp["error"], c.error) << c.at_token << " " << static_cast<int>(c.failure);
    EXPECT_EQ(rp["state"], "rp-state-123");
  }
}

TEST_F(ProviderTest, DiscoveryDescribesTheEndpoints) {
  auto doc = get_json(issuer_ + "/.well-known/openid-configuration", ca_);
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["issuer"], issuer_);
  EXPECT_EQ((*doc)["jwks_uri"], issuer_ + "/jwks.json");
  EXPECT_EQ((*doc)["token_endpoint"], issuer_ + "/token");
  EXPECT_EQ((*doc)["id_token_signing_alg_values_supported"], common::json({"ES256"}));
  EXPECT_EQ((*doc)["code_challenge_methods_supported"], common::json({"S256"}));
  // Every field OIDC Discovery 1.0 section 3 requires, and those it recommends
  // that a relying-party library reads for the code flow.
  for (const char* key :
       {"authorization_endpoint", "userinfo_endpoint", "response_types_supported",
        "subject_types_supported", "scopes_supported", "token_endpoint_auth_methods_supported",
        "claims_supported", "grant_types_supported"}) {
    EXPECT_TRUE(doc->contains(key)) << key;
  }

  // RFC 6750 3.1: an invalid token gets a Bearer challenge naming the error;
  // a request with no credentials gets the challenge without an error code.
  auto bad = get_with_bearer(issuer_ + "/userinfo", ca_, "not-a-token");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  auto challenge = bad->header("www-authenticate").value_or("");
  EXPECT_TRUE(challenge.starts_with("Bearer ")) << challenge;
  EXPECT_NE(challenge.find("error=\"invalid_token\""), std::string::npos) << challenge;
  auto anonymous = get_json(issuer_ + "/userinfo", ca_);
  EXPECT_FALSE(anonymous);
  auto jwks = get_json(issuer_ + "/jwks.json", ca_);
  ASSERT_TRUE(jwks);
  ASSERT_EQ((*jwks)["keys"].size(), 1U);
  EXPECT_EQ((*jwks)["keys"][0]["kid"], keys_->active_kid());
  EXPECT_FALSE((*jwks)["keys"][0].contains("d")) << "never the private part";
}

TEST_F(ProviderTest, TokensSignedBeforeARotationStillVerify) {
  auto before = token_json(
      post_token(issuer_, ca_, code_form(code_for(kWebApp), kWebApp.redirect_uri), basic(kWebApp)));
  // The next key is published a cache period (300 s) before it signs.
  ASSERT_TRUE(keys_->maintain(now_ + 24 * 3600 - 300).value());
  ASSERT_TRUE(keys_->maintain(now_ + 24 * 3600).value());
  auto jwks = get_json(issuer_ + "/jwks.json", ca_);
  ASSERT_TRUE(jwks);
  EXPECT_EQ((*jwks)["keys"].size(), 2U);
  EXPECT_TRUE(verify_es256_jwt(before["id_token"], *jwks));
  auto after = token_json(
      post_token(issuer_, ca_, code_form(code_for(kWebApp), kWebApp.redirect_uri), basic(kWebApp)));
  auto verified = verify_es256_jwt(after["id_token"], *jwks);
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->header["kid"], keys_->active_kid());
  EXPECT_NE(verified->header["kid"], (*jwks)["keys"][1]["kid"]);
}

}  // namespace
