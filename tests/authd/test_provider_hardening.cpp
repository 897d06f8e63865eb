// The provider under abuse (issue 12, items 1-9): floods of /authorize, a
// browser that starts many logins, prompt=login and max_age, sandbox marks,
// scopes, loopback redirect URIs, concurrent code replays, scheme names in
// any case, key rotation seen through the JWKS cache, PayPal's published
// user info schema. In-process behind the real HTTPS front (provider_fixture).

#include <gtest/gtest.h>

#include <latch>
#include <regex>
#include <set>
#include <thread>

#include "common/log.hpp"
#include "jwt_check.hpp"
#include "provider_fixture.hpp"

namespace {

using namespace authd_test;

common::http::Request authorize_request(const RelyingParty& rp, const std::string& address) {
  common::http::Request req;
  req.method = "GET";
  req.path = "/authorize";
  req.remote_addr = address;
  req.params = {{"client_id", rp.client_id},
                {"redirect_uri", rp.redirect_uri},
                {"response_type", "code"},
                {"scope", "openid email"},
                {"state", "flood"}};
  return req;
}

common::http::Request token_request(const RelyingParty& rp, const std::string& code) {
  common::http::Request req;
  req.method = "POST";
  req.path = "/token";
  req.remote_addr = "192.0.2.7";
  req.headers.emplace("Content-Type", "application/x-www-form-urlencoded");
  req.headers.emplace("Authorization",
                      "Basic " + common::crypto::base64(rp.client_id + ":" + rp.secret));
  req.body = common::form_encode(code_form(code, rp.redirect_uri));
  return req;
}

// The length of the Cookie header a browser would send to authd.
std::size_t cookie_header_bytes(Browser& browser) {
  std::size_t bytes = 0;
  for (const auto& [name, cookie] : browser.jar("localhost")) {
    bytes += name.size() + 1 + cookie.value.size() + 2;
  }
  return bytes;
}

common::Result<common::HttpResponse> get_with_authorization(const std::string& url,
                                                            const std::string& ca_pem,
                                                            const std::string& authorization) {
  common::HttpRequest request;
  request.url = url;
  request.ca_pem = ca_pem;
  request.only_ca_pem = true;
  request.headers = {{"Authorization", authorization}};
  return common::http_request(request);
}

class ProviderHardeningTest : public ProviderTest {
 protected:
  common::json redeem(const std::string& code, const RelyingParty& rp = kWebApp) {
    return token_json(post_token(issuer_, ca_, code_form(code, rp.redirect_uri), basic(rp)));
  }
  common::json claims_of(const common::json& token_response) {
    auto jwks = get_json(issuer_ + "/jwks.json", ca_);
    EXPECT_TRUE(jwks);
    auto verified = verify_es256_jwt(token_response["id_token"].get<std::string>(), *jwks);
    EXPECT_TRUE(verified) << (verified ? "" : verified.error().message);
    return verified ? verified->claims : common::json{};
  }
};

// Item 1: 20 001 logins started from 7 addresses cannot push out a login in
// progress: nothing about a pending login is held by the server.
TEST_F(ProviderHardeningTest, AFloodOfAuthorizeRequestsCannotExpireAPersonsLogin) {
  Browser person(ca_);
  auto at_paypal =
      person.navigate(authorize_url(issuer_, authorize_params(kWebApp)), issuer_ + "/callback");
  ASSERT_TRUE(at_paypal && at_paypal->reached_stop);
  common::log::set_min_severity(common::log::Severity::warning);
  for (int i = 0; i < 20001; ++i) {
    auto req = authorize_request(kOtherApp, "198.51.100." + std::to_string(i % 7));
    common::http::Response res;
    provider_->authorize(req, res);
    ASSERT_EQ(res.status, 302);
  }
  common::log::set_min_severity(common::log::Severity::debug);
  auto back = person.navigate(at_paypal->final_url, kWebApp.redirect_uri);
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->reached_stop) << back->last.status << " " << back->last.body;
  EXPECT_FALSE(query_of(back->final_url)["code"].empty());
}

// Item 1: a browser that starts login after login (long state and nonce)
// holds a bounded number of cookies, well under 8 KiB, and its last login
// and two logins side by side (two tabs) still finish.
TEST_F(ProviderHardeningTest, ABrowserHoldsABoundedSetOfLoginCookies) {
  Browser browser(ca_);
  auto params = authorize_params(kWebApp);
  params.state = std::string(512, 's');
  params.nonce = std::string(512, 'n');
  std::string last_at_paypal;
  for (int i = 0; i < 20; ++i) {
    auto at_paypal = browser.navigate(authorize_url(issuer_, params), issuer_ + "/callback");
    ASSERT_TRUE(at_paypal && at_paypal->reached_stop) << i;
    last_at_paypal = at_paypal->final_url;
  }
  EXPECT_LE(browser.jar("localhost").size(), 3U);
  EXPECT_LT(cookie_header_bytes(browser), 8192U);
  auto back = browser.navigate(last_at_paypal, kWebApp.redirect_uri);
  ASSERT_TRUE(back && back->reached_stop) << back->last.status << " " << back->last.body;
  EXPECT_EQ(query_of(back->final_url)["state"], params.state);

  Browser tabs(ca_);
  auto first =
      tabs.navigate(authorize_url(issuer_, authorize_params(kWebApp)), issuer_ + "/callback");
  auto second =
      tabs.navigate(authorize_url(issuer_, authorize_params(kOtherApp)), issuer_ + "/callback");
  ASSERT_TRUE(first && first->reached_stop && second && second->reached_stop);
  auto first_back = tabs.navigate(first->final_url, kWebApp.redirect_uri);
  auto second_back = tabs.navigate(second->final_url, kOtherApp.redirect_uri);
  EXPECT_TRUE(first_back && first_back->reached_stop);
  EXPECT_TRUE(second_back && second_back->reached_stop);
}

// Item 2: authd cannot make PayPal ask for the password again, so a request
// for a fresh login (prompt=login, max_age) gets login_required, as OIDC
// Core 3.1.2.1 allows, and never a session PayPal may have reused.
TEST_F(ProviderHardeningTest, PromptLoginAndMaxAgeAnswerLoginRequired) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"prompt", "login", "login_required"},
      {"max_age", "0", "login_required"},
      {"max_age", "600", "login_required"},
      {"prompt", "consent", "consent_required"},
      {"prompt", "select_account", "account_selection_required"},
      {"prompt", "none login", "invalid_request"},
      {"max_age", "ten", "invalid_request"},
  };
  for (const auto& [key, value, error] : cases) {
    Browser browser(ca_);
    auto params = authorize_params(kWebApp);
    params.extra = {{key, value}};
    auto rp = login(browser, params);
    EXPECT_EQ(rp["error"], error) << key << "=" << value;
    EXPECT_EQ(rp["state"], params.state);
  }
  EXPECT_EQ(paypal_->authorize_requests(), 0);
}

// Item 3: a sandbox login says so in the id_token, at /userinfo and in
// discovery, so that a relying party can refuse it.
TEST_F(ProviderHardeningTest, SandboxLoginsAreMarked) {
  auto claims = claims_of(redeem(code_for(kWebApp)));
  EXPECT_EQ(claims["paypal_environment"], "sandbox");
  auto doc = get_json(issuer_ + "/.well-known/openid-configuration", ca_);
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["paypal_environment"], "sandbox");
  auto supported = (*doc)["claims_supported"];
  EXPECT_NE(std::find(supported.begin(), supported.end(), "paypal_environment"), supported.end());
}

// Item 4: e-mail only for the email scope; the token response names the
// scope granted.
TEST_F(ProviderHardeningTest, EmailIsReleasedOnlyForTheEmailScope) {
  Browser browser(ca_);
  auto params = authorize_params(kWebApp);
  params.scope = "openid";
  auto rp = login(browser, params);
  auto token = redeem(rp["code"]);
  EXPECT_EQ(token["scope"], "openid");
  auto claims = claims_of(token);
  EXPECT_FALSE(claims.contains("email"));
  EXPECT_FALSE(claims.contains("email_verified"));
  EXPECT_EQ(claims["sub"], paypal_->options().payer_id);
  auto userinfo = get_with_bearer(issuer_ + "/userinfo", ca_, token["access_token"]);
  ASSERT_TRUE(userinfo);
  ASSERT_EQ(userinfo->status, 200);
  EXPECT_FALSE(common::json::parse(userinfo->body).contains("email"));

  params.scope = "email openid profile";  // profile is not offered: not granted
  auto with_email = redeem(login(browser, params)["code"]);
  EXPECT_EQ(with_email["scope"], "openid email");
  EXPECT_EQ(claims_of(with_email)["email"], paypal_->options().email);
}

// Item 5: a loopback redirect URI (RFC 8252 7.3) matches on any port, and
// only on loopback.
TEST_F(ProviderHardeningTest, LoopbackRedirectUrisMatchAnyPort) {
  auto pkce = make_pkce();
  auto params = authorize_params(kNative);
  params.redirect_uri = "http://127.0.0.1:49152/callback";
  params.code_challenge = pkce.challenge;
  Browser browser(ca_);
  auto rp = login(browser, params);
  ASSERT_FALSE(rp["code"].empty());
  auto form = code_form(rp["code"], params.redirect_uri, pkce.verifier);
  form.emplace_back("client_id", kNative.client_id);
  auto token = post_token(issuer_, ca_, form);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->status, 200) << token->body;
  for (const std::string uri : {"http://127.0.0.1:49152/other", "http://localhost:49152/callback",
                                "https://127.0.0.1:49152/callback"}) {
    params.redirect_uri = uri;
    auto page = browser.get(authorize_url(issuer_, params));
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 400) << uri;
    EXPECT_FALSE(page->header("location")) << uri;
  }
}

// Item 6: two redemptions of one code at the same instant: whichever wins,
// no access token survives the replay.
TEST_F(ProviderHardeningTest, AConcurrentReplayLeavesNoLiveAccessToken) {
  common::log::set_min_severity(common::log::Severity::error);
  int raced = 0;
  for (int round = 0; round < 40; ++round) {
    const std::string code = code_for(kWebApp);
    std::array<common::http::Response, 2> responses;
    std::latch start(2);
    auto redeem_in_process = [&](int i) {
      auto req = token_request(kWebApp, code);
      start.arrive_and_wait();
      provider_->token(req, responses[i]);
    };
    std::thread other(redeem_in_process, 1);
    redeem_in_process(0);
    other.join();
    for (const auto& res : responses) {
      if (res.status != 200) continue;
      ++raced;
      common::http::Request userinfo;
      userinfo.headers.emplace(
          "Authorization",
          "Bearer " + common::json::parse(res.body)["access_token"].get<std::string>());
      common::http::Response answer;
      provider_->userinfo(userinfo, answer);
      EXPECT_EQ(answer.status, 401) << "round " << round << ": the replay left a live token";
    }
  }
  common::log::set_min_severity(common::log::Severity::debug);
  RecordProperty("redemptions_that_got_200", raced);
}

// Item 7: scheme names are case-insensitive (RFC 7235 2.1).
TEST_F(ProviderHardeningTest, AuthSchemesAreCaseInsensitive) {
  const std::string basic = common::crypto::base64(kWebApp.client_id + ":" + kWebApp.secret);
  std::string access_token;
  for (const std::string scheme : {"basic", "BASIC", "bAsIc"}) {
    common::HttpRequest request;
    request.method = "POST";
    request.url = issuer_ + "/token";
    request.ca_pem = ca_;
    request.only_ca_pem = true;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Authorization", scheme + " " + basic}};
    request.body = common::form_encode(code_form(code_for(kWebApp), kWebApp.redirect_uri));
    auto response = common::http_request(request);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200) << scheme << " " << response->body;
    if (response->status == 200) {
      access_token = common::json::parse(response->body)["access_token"];
    }
  }
  ASSERT_FALSE(access_token.empty());
  for (const std::string scheme : {"bearer", "BEARER"}) {
    auto userinfo = get_with_authorization(issuer_ + "/userinfo", ca_, scheme + " " + access_token);
    ASSERT_TRUE(userinfo);
    EXPECT_EQ(userinfo->status, 200) << scheme;
  }
}

// Item 8: a relying party that cached /jwks.json for its max-age still finds
// the key of every id_token: the next key is published one cache period
// before it signs. Rotation is driven as main() drives it, once a minute.
TEST_F(ProviderHardeningTest, TheNextKeyIsPublishedOneCachePeriodBeforeItSigns) {
  auto response = get_with_bearer(issuer_ + "/jwks.json", ca_, "");
  ASSERT_TRUE(response);
  std::smatch match;
  const std::string cache_control = response->header("cache-control").value_or("");
  ASSERT_TRUE(std::regex_search(cache_control, match, std::regex("max-age=([0-9]+)")));
  const std::int64_t max_age = std::stoll(match[1]);
  std::map<std::string, std::int64_t> first_published;
  const std::int64_t start = now_.load();
  int rotations = 0;
  std::string active = keys_->active_kid();
  for (std::int64_t t = start; t <= start + 3 * 24 * 3600; t += 60) {
    ASSERT_TRUE(keys_->maintain(t));
    const common::json jwks = keys_->jwks();
    for (const auto& key : jwks["keys"]) {
      first_published.try_emplace(key["kid"].get<std::string>(), t);
    }
    if (keys_->active_kid() == active) continue;
    active = keys_->active_kid();
    ++rotations;
    ASSERT_TRUE(first_published.contains(active));
    EXPECT_GE(t - first_published[active], max_age) << "signing with a key caches may not have";
  }
  EXPECT_GE(rotations, 2);
}

// Item 9: PayPal's published schema has no `confirmed`: the address is
// released, and email_verified is false since PayPal did not say it was.
TEST_F(ProviderHardeningTest, PublishedUserInfoSchemaGivesAnUnverifiedEmail) {
  paypal_->set_published_email_schema(true);
  auto claims = claims_of(redeem(code_for(kWebApp)));
  EXPECT_EQ(claims["email"], paypal_->options().email);
  EXPECT_EQ(claims["email_verified"], false);
  paypal_->set_published_email_schema(false);
  EXPECT_EQ(claims_of(redeem(code_for(kWebApp)))["email_verified"], true);
}

}  // namespace
