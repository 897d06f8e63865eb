// Small pieces of authd on their own: configuration, PKCE, CRC32C, the
// bounded stores, the rate limiter, key rotation, PayPal user info parsing.

#include <gtest/gtest.h>

#include "authd/config.hpp"
#include "authd/crc32c.hpp"
#include "authd/html_pages.hpp"
#include "authd/http_fields.hpp"
#include "authd/key_ring.hpp"
#include "authd/options.hpp"
#include "authd/paypal_client.hpp"
#include "authd/pkce.hpp"
#include "authd/provider.hpp"
#include "authd/rate_limiter.hpp"
#include "authd/secret_manager.hpp"
#include "authd/ttl_store.hpp"
#include "common/crypto.hpp"
#include "flow.hpp"

namespace {

std::map<std::string, std::string> minimal_values() {
  return {{"domain", "login.example.com"},
          {"paypal_client_id", "AZ123"},
          {"paypal_environment", "sandbox"},
          {"oidc_clients", authd_test::oidc_clients_json()}};
}

TEST(Config, SandboxEndpointsAndHttpsIssuer) {
  auto config = authd::parse_config(minimal_values(), "secret");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->issuer, "https://login.example.com");
  EXPECT_EQ(config->paypal.authorize_url, "https://www.sandbox.paypal.com/signin/authorize");
  EXPECT_EQ(config->paypal.api_base, "https://api-m.sandbox.paypal.com");
  EXPECT_EQ(config->clients.size(), 4U);
  EXPECT_TRUE(config->client("spa")->is_public);
  EXPECT_EQ(config->callback_url(), "https://login.example.com/callback");
}

// Issue 12 item 3: the environment is required, and the simulation's
// overrides are for the sandbox only, over https only.
TEST(Config, OverridesOnlyForTheSandboxAndOnlyOverHttps) {
  auto values = minimal_values();
  values.erase("paypal_environment");
  auto missing = authd::parse_config(values, "secret");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("paypal_environment"), std::string::npos);
  values["paypal_environment"] = "live";
  auto live = authd::parse_config(values, "secret");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->paypal.authorize_url, "https://www.paypal.com/signin/authorize");
  EXPECT_EQ(live->paypal.api_base, "https://api-m.paypal.com");
  for (const char* key : {"paypal_api_base", "paypal_authorize_url", "extra_ca_pem"}) {
    auto overridden = values;
    overridden[key] = std::string(key) == "extra_ca_pem" ? "-----BEGIN CERTIFICATE-----"
                                                         : "https://paypal.sim:8443";
    auto refused = authd::parse_config(overridden, "secret");
    ASSERT_FALSE(refused) << key;
    EXPECT_NE(refused.error().message.find(key), std::string::npos) << refused.error().message;
  }
  values["paypal_environment"] = "sandbox";
  values["paypal_api_base"] = "https://paypal.sim:8443/";
  auto sandbox = authd::parse_config(values, "secret");
  ASSERT_TRUE(sandbox) << sandbox.error().message;
  EXPECT_EQ(sandbox->paypal.api_base, "https://paypal.sim:8443");
  for (const char* url :
       {"http://paypal.sim:8443", "https:///x", "ftp://paypal.sim", "paypal.sim"}) {
    values["paypal_api_base"] = url;
    EXPECT_FALSE(authd::parse_config(values, "secret")) << url;
    values.erase("paypal_api_base");
    values["paypal_authorize_url"] = url;
    EXPECT_FALSE(authd::parse_config(values, "secret")) << url;
    values.erase("paypal_authorize_url");
  }
}

// Issue 12 item 5: http redirect URIs only on a loopback host, told apart by
// parsing the host rather than by a prefix.
TEST(Config, LoopbackRedirectUrisAreParsedNotPrefixed) {
  auto client = [](const std::string& uri) {
    return "[{\"client_id\": \"n\", \"public\": true, \"redirect_uris\": [\"" + uri + "\"]}]";
  };
  for (const char* uri : {"http://localhost.evil.com/cb", "http://127.0.0.1.evil.com/cb",
                          "http://localhost@evil.com/cb", "http://127.0.0.1@evil.com/cb",
                          "http://[::1].evil.com/cb", "http://localhostevil.com/cb",
                          "http://127.0.0.1:80@evil.com/cb", "http:///cb", "https:///cb"}) {
    EXPECT_FALSE(authd::parse_oidc_clients(client(uri))) << uri;
  }
  for (const char* uri : {"http://127.0.0.1/cb", "http://127.0.0.1:8080/cb", "http://[::1]/cb",
                          "http://localhost/cb", "http://localhost:3000", "https://a.example/cb"}) {
    EXPECT_TRUE(authd::parse_oidc_clients(client(uri))) << uri;
  }
  auto clients = authd::parse_oidc_clients(client("http://127.0.0.1/cb"));
  ASSERT_TRUE(clients);
  const auto& native = clients->at("n");
  EXPECT_TRUE(native.allows_redirect_uri("http://127.0.0.1/cb"));
  EXPECT_TRUE(native.allows_redirect_uri("http://127.0.0.1:51234/cb"));
  EXPECT_FALSE(native.allows_redirect_uri("http://127.0.0.1:51234/cb/x"));
  EXPECT_FALSE(native.allows_redirect_uri("http://127.0.0.1:51234/cb?x=1"));
  EXPECT_FALSE(native.allows_redirect_uri("http://127.0.0.1.evil.com/cb"));
  EXPECT_FALSE(native.allows_redirect_uri("http://127.0.0.1:x/cb"));
}

TEST(Config, RejectsBadValuesWithClearErrors) {
  auto values = minimal_values();
  EXPECT_FALSE(authd::parse_config(values, ""));  // no secret
  values["paypal_environment"] = "production";
  auto env = authd::parse_config(values, "s");
  ASSERT_FALSE(env);
  EXPECT_NE(env.error().message.find("live"), std::string::npos);
  values = minimal_values();
  values["domain"] = "bad domain/";
  EXPECT_FALSE(authd::parse_config(values, "s"));
  for (const char* clients :
       {"not json", "{}", "[{\"client_id\": \"a\"}]",
        "[{\"client_id\": \"a\", \"redirect_uris\": [\"http://evil.example/cb\"], \"public\": "
        "true}]",
        "[{\"client_id\": \"a\", \"redirect_uris\": [\"https://a/cb#f\"], \"public\": true}]",
        "[{\"client_id\": \"a\", \"redirect_uris\": [\"https://a/cb\"]}]",
        "[{\"client_id\": \"a\", \"redirect_uris\": [\"https://a/cb\"], "
        "\"client_secret_sha256\": \"abc\"}]",
        "[{\"client_id\": \"a\", \"redirect_uris\": [\"https://a/cb\"], \"public\": true},"
        " {\"client_id\": \"a\", \"redirect_uris\": [\"https://a/cb\"], \"public\": true}]"}) {
    EXPECT_FALSE(authd::parse_oidc_clients(clients)) << clients;
  }
}

TEST(Options, FlagsParseAndRejectNonsense) {
  auto options = authd::parse_options({{"port", "8443"}, {"config-source", "metadata"}});
  ASSERT_TRUE(options);
  EXPECT_EQ(options->port, 8443);
  EXPECT_EQ(options->config_source, authd::ConfigSource::metadata);
  EXPECT_EQ(authd::parse_options({})->config_source, authd::ConfigSource::attestd);
  EXPECT_FALSE(authd::parse_options({{"port", "0"}}));
  EXPECT_FALSE(authd::parse_options({{"port", "12x"}}));
  EXPECT_FALSE(authd::parse_options({{"config-source", "disk"}}));
  EXPECT_FALSE(authd::parse_options({{"colour", "blue"}}));
}

TEST(Pkce, S256AsRfc7636AppendixB) {
  // The RFC's own example.
  const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const std::string challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  EXPECT_TRUE(authd::is_valid_code_challenge(challenge));
  EXPECT_TRUE(authd::pkce_s256_matches(verifier, challenge));
  EXPECT_FALSE(authd::pkce_s256_matches(verifier + "x", challenge));
  EXPECT_FALSE(authd::pkce_s256_matches("short", challenge));
  EXPECT_FALSE(authd::is_valid_code_challenge("short"));
  EXPECT_FALSE(authd::is_valid_code_verifier(std::string(129, 'a')));
  EXPECT_FALSE(authd::is_valid_code_verifier(std::string(43, '+')));
}

TEST(AtHash, AsOidcCoreExample) {
  // OIDC Core 1.0 appendix A.4: this access token has at_hash 77QmUPtjPfzWtF2AnpK9RQ
  // (left half of its SHA-256, the hash of RS256 and ES256 alike).
  EXPECT_EQ(authd::at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ");
}

TEST(Crc32c, KnownCheckValue) {
  EXPECT_EQ(authd::crc32c("123456789"), 0xE3069283U);
  EXPECT_EQ(authd::crc32c(""), 0U);
}

TEST(SecretName, OnlyVersionNames) {
  EXPECT_TRUE(authd::is_secret_version_name("projects/p-1/secrets/paypal/versions/latest"));
  EXPECT_TRUE(authd::is_secret_version_name("projects/123/secrets/s_2/versions/3"));
  EXPECT_FALSE(authd::is_secret_version_name("projects/p/secrets/s"));
  EXPECT_FALSE(authd::is_secret_version_name("projects/p/secrets/s/versions/1/x"));
  EXPECT_FALSE(authd::is_secret_version_name("projects/../secrets/s/versions/1"));
  EXPECT_FALSE(authd::is_secret_version_name("projects/p/secrets/s/versions/1?x"));
}

TEST(TtlStore, SingleUseExpiryAndCap) {
  authd::TtlStore<int> store(3);
  store.put("a", 1, 100, 0);
  EXPECT_EQ(store.take("a", 50), 1);
  EXPECT_EQ(store.take("a", 50), std::nullopt) << "single use";
  store.put("b", 2, 100, 0);
  EXPECT_EQ(store.get("b", 100), std::nullopt) << "expired at its deadline";
  authd::TtlStore<int> capped(3);
  for (int i = 0; i < 10; ++i) capped.put(std::to_string(i), i, 1000, 0);
  EXPECT_EQ(capped.size(), 3U);
  EXPECT_EQ(capped.get("9", 1), 9);
  EXPECT_EQ(capped.get("0", 1), std::nullopt) << "the oldest made room";
}

TEST(RateLimiter, BurstThenSustainedRatePerAddress) {
  authd::RateLimiter limiter({3, 1, 2});
  EXPECT_TRUE(limiter.allow("1.1.1.1", 0));
  EXPECT_TRUE(limiter.allow("1.1.1.1", 0));
  EXPECT_TRUE(limiter.allow("1.1.1.1", 0));
  EXPECT_FALSE(limiter.allow("1.1.1.1", 0));
  EXPECT_TRUE(limiter.allow("2.2.2.2", 0)) << "another address has its own bucket";
  EXPECT_TRUE(limiter.allow("1.1.1.1", 1.0)) << "one token per second";
  EXPECT_FALSE(limiter.allow("1.1.1.1", 1.0));
  EXPECT_TRUE(limiter.allow("3.3.3.3", 1.0)) << "bounded table makes room";
}

TEST(KeyRing, RotatesAndKeepsOldKeysUntilTheirTokensExpire) {
  // rotation 100 s, tokens 50 s, skew 10 s, next key published 20 s ahead.
  auto ring = authd::KeyRing::create({100, 50, 10, 20}, 1000);
  ASSERT_TRUE(ring);
  auto& keys = **ring;
  const auto first = keys.active_kid();
  EXPECT_EQ(first.size(), 43U) << "base64url SHA-256 thumbprint";
  EXPECT_FALSE(keys.maintain(1079).value());
  EXPECT_TRUE(keys.maintain(1080).value()) << "the next key is published";
  EXPECT_EQ(keys.key_count(), 2U);
  EXPECT_EQ(keys.active_kid(), first) << "but does not sign yet";
  auto published = common::parse_json(*keys.jwks_bytes());
  ASSERT_TRUE(published);
  EXPECT_EQ((*published)["keys"][0]["kid"], first) << "the signing key first";
  const std::string next = (*published)["keys"][1]["kid"];
  EXPECT_FALSE(keys.maintain(1099).value());
  EXPECT_TRUE(keys.maintain(1100).value());
  EXPECT_EQ(keys.active_kid(), next);
  EXPECT_EQ(keys.key_count(), 2U);
  EXPECT_FALSE(keys.maintain(1159).value()) << "kept for token lifetime + skew";
  EXPECT_TRUE(keys.maintain(1160).value());
  EXPECT_EQ(keys.key_count(), 1U);
  auto jwks = common::parse_json(*keys.jwks_bytes());
  ASSERT_TRUE(jwks);
  EXPECT_EQ((*jwks)["keys"][0]["kid"], keys.active_kid());
  EXPECT_EQ((*jwks)["keys"][0]["alg"], "ES256");
}

TEST(KeyRing, ALateMaintenanceStillWaitsACachePeriodBeforeSigning) {
  auto ring = authd::KeyRing::create({100, 50, 10, 20}, 1000);
  ASSERT_TRUE(ring);
  auto& keys = **ring;
  const auto first = keys.active_kid();
  EXPECT_TRUE(keys.maintain(5000).value()) << "long overdue: the next key is published";
  EXPECT_EQ(keys.active_kid(), first);
  EXPECT_FALSE(keys.maintain(5019).value());
  EXPECT_TRUE(keys.maintain(5020).value());
  EXPECT_NE(keys.active_kid(), first);
}

TEST(PayPalUserInfo, ParsesPaypalV11AndToleratesStringBooleans) {
  auto user = authd::parse_paypal_userinfo(R"({
    "user_id": "https://www.paypal.com/webapps/auth/identity/user/abc",
    "name": "A B", "payer_id": "PAYER1", "verified_account": "true",
    "emails": [{"value": "second@example.com", "primary": false, "confirmed": false},
               {"value": "main@example.com", "primary": true, "confirmed": true}]})");
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_EQ(user->payer_id, "PAYER1");
  EXPECT_EQ(user->email, "main@example.com");
  EXPECT_TRUE(user->email_verified);
  EXPECT_TRUE(user->verified_account);
  auto unverified = authd::parse_paypal_userinfo(
      R"({"payer_id": "P2", "verified_account": false, "emails": []})");
  ASSERT_TRUE(unverified);
  EXPECT_FALSE(unverified->verified_account);
  EXPECT_TRUE(unverified->email.empty());
  EXPECT_FALSE(authd::parse_paypal_userinfo(R"({"user_id": "no payer id"})"));
  EXPECT_FALSE(authd::parse_paypal_userinfo("[1, 2"));
  EXPECT_FALSE(authd::parse_paypal_userinfo(R"({"payer_id": 5})"));
}

TEST(HttpDetails, EscapingCookiesAndForms) {
  EXPECT_EQ(authd::html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  common::http::Request req;
  req.headers.emplace("Cookie", "a=1; __Host-authd-x=secret; b=2");
  EXPECT_EQ(authd::read_cookie(req, "__Host-authd-x"), "secret");
  EXPECT_EQ(authd::read_cookie(req, "__Host-authd"), std::nullopt);
  auto form = authd::parse_form("a=1&b=x%20y");
  ASSERT_TRUE(form);
  EXPECT_EQ((*form)["b"], "x y");
  EXPECT_FALSE(authd::parse_form("code=1&code=2")) << "repeated parameters are refused";
  EXPECT_EQ(authd::with_query("https://a/cb?x=1", {{"code", "c d"}}),
            "https://a/cb?x=1&code=c%20d");
}

}  // namespace
