// Unit tests of acmed's protocol pieces: header grammars, problem documents,
// JWS, nonces, the directory and configuration validation.

#include <gtest/gtest.h>

#include "acmed/config.hpp"
#include "acmed/directory.hpp"
#include "acmed/acme_headers.hpp"
#include "acmed/jws.hpp"
#include "acmed/nonce_pool.hpp"
#include "acmed/options.hpp"
#include "acmed/problem.hpp"
#include "common/crypto.hpp"

namespace acmed {
namespace {

using namespace std::chrono_literals;
namespace crypto = common::crypto;

TEST(AcmedRetryAfter, SecondsAndHttpDateAndGarbage) {
  const auto now = Clock::from_time_t(1'700'000'000);
  EXPECT_EQ(parse_retry_after("120", now), now + 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", now), now);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Clock::from_time_t(784111777));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("99999999999999", now));
  EXPECT_FALSE(parse_retry_after("", now));
  // Beyond what the clock can count (2262): rejected, not overflowed.
  EXPECT_FALSE(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now));
}

TEST(AcmedLinkHeader, FindsAlternatesAcrossHeadersAndCommas) {
  std::vector<std::string> headers = {
      R"(<https://ca/cert/1/alt/0>;rel="alternate", <https://ca/dir>;rel="index")",
      R"(<https://ca/cert/1/alt/1>; rel="alternate up")", R"(<https://ca/x,y>;rel=alternate)",
      "garbage", R"(<https://ca/unclosed;rel="alternate")"};
  EXPECT_EQ(links_with_rel(headers, "alternate"),
            (std::vector<std::string>{"https://ca/cert/1/alt/0", "https://ca/cert/1/alt/1",
                                      "https://ca/x,y"}));
  EXPECT_EQ(links_with_rel(headers, "index"), std::vector<std::string>{"https://ca/dir"});
  EXPECT_TRUE(links_with_rel(headers, "nothing").empty());
}

TEST(AcmedRfc3339, ParsesFractionsAndOffsetsRejectsJunk) {
  auto base = parse_rfc3339("2025-01-02T03:04:05Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(format_rfc3339(*base), "2025-01-02T03:04:05Z");
  EXPECT_EQ(parse_rfc3339("2025-01-02T04:04:05+01:00"), base);
  EXPECT_EQ(parse_rfc3339("2025-01-02T03:04:05.500Z"), *base + 500ms);
  EXPECT_FALSE(parse_rfc3339("4742-02-01T00:00:00Z"));  // found by tests/fuzz (acme_headers)
  EXPECT_FALSE(parse_rfc3339("2025-01-02 03:04:05"));
  EXPECT_FALSE(parse_rfc3339("2025-13-02T03:04:05Z"));
  EXPECT_FALSE(parse_rfc3339("2025-01-02T03:04:05Zjunk"));
  EXPECT_FALSE(parse_rfc3339("yesterday"));
}

TEST(AcmedProblem, ParsesTypeDetailAndSubproblems) {
  auto problem = parse_problem(
      R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"no",)"
      R"("subproblems":[{"type":"urn:ietf:params:acme:error:caa","detail":"caa says no"}]})",
      400);
  EXPECT_TRUE(problem.is("rejectedIdentifier"));
  EXPECT_FALSE(problem.is("rejected"));
  ASSERT_EQ(problem.subproblems.size(), 1U);
  EXPECT_TRUE(problem.subproblems[0].is("caa"));
  EXPECT_EQ(problem.describe(),
            "urn:ietf:params:acme:error:rejectedIdentifier: no (HTTP 400); "
            "urn:ietf:params:acme:error:caa: caa says no (HTTP 400)");
  auto html = parse_problem("<html>bad gateway</html>", 502);
  EXPECT_EQ(html.type, "about:blank");
  EXPECT_EQ(html.status, 502);
  EXPECT_EQ(html.detail, "<html>bad gateway</html>");
  EXPECT_EQ(parse_problem(R"({"type":7})", 400).type, "about:blank");
}

common::json decode_segment(const common::json& jws, const char* name) {
  auto bytes = crypto::base64url_decode(jws.at(name).get<std::string>());
  EXPECT_TRUE(bytes);
  if (!bytes || bytes->empty()) return nullptr;
  return common::json::parse(*bytes);
}

TEST(AcmedJws, Es256WithJwkThenKidVerifies) {
  auto key = crypto::generate_p256();
  ASSERT_TRUE(key);
  auto with_jwk = sign_es256(key->get(), {"nonce1", "https://ca/new-account", ""},
                             common::json{{"termsOfServiceAgreed", true}});
  ASSERT_TRUE(with_jwk);
  auto header = decode_segment(*with_jwk, "protected");
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["nonce"], "nonce1");
  EXPECT_EQ(header["url"], "https://ca/new-account");
  EXPECT_EQ(header["jwk"], *crypto::p256_public_jwk(key->get()));
  EXPECT_FALSE(header.contains("kid"));
  auto signature = crypto::base64url_decode(with_jwk->at("signature").get<std::string>());
  ASSERT_TRUE(signature);
  EXPECT_EQ(signature->size(), 64U);
  const std::string signing_input = with_jwk->at("protected").get<std::string>() + "." +
                                    with_jwk->at("payload").get<std::string>();
  EXPECT_EQ(crypto::es256_verify(key->get(), signing_input, *signature), true);
  EXPECT_EQ(crypto::es256_verify(key->get(), signing_input + "x", *signature), false);

  auto post_as_get =
      sign_es256(key->get(), {"n2", "https://ca/order/1", "https://ca/acct/1"}, std::nullopt);
  ASSERT_TRUE(post_as_get);
  EXPECT_EQ(post_as_get->at("payload"), "");
  auto header2 = decode_segment(*post_as_get, "protected");
  EXPECT_EQ(header2["kid"], "https://ca/acct/1");
  EXPECT_FALSE(header2.contains("jwk"));
}

TEST(AcmedJws, ExternalAccountBindingIsHs256OverTheJwk) {
  auto key = crypto::generate_p256();
  ASSERT_TRUE(key);
  const std::string mac_key = "0123456789abcdef0123456789abcdef";
  auto eab = external_account_binding(key->get(), "kid-1", crypto::base64url(mac_key),
                                      "https://ca/new-account");
  ASSERT_TRUE(eab);
  auto header = decode_segment(*eab, "protected");
  EXPECT_EQ(header,
            (common::json{{"alg", "HS256"}, {"kid", "kid-1"}, {"url", "https://ca/new-account"}}));
  EXPECT_EQ(decode_segment(*eab, "payload"), *crypto::p256_public_jwk(key->get()));
  const std::string input =
      eab->at("protected").get<std::string>() + "." + eab->at("payload").get<std::string>();
  EXPECT_EQ(eab->at("signature"), crypto::base64url(crypto::hmac_sha256(mac_key, input)));
  EXPECT_FALSE(external_account_binding(key->get(), "kid-1", "not base64url!", "https://ca/x"));
}

TEST(AcmedNoncePool, FreshestFirstAndOnlyWellFormed) {
  NoncePool pool;
  EXPECT_FALSE(pool.take());
  pool.add("old");
  pool.add("bad nonce!");
  pool.add("new-_1");
  EXPECT_EQ(pool.take(), "new-_1");
  EXPECT_EQ(pool.take(), "old");
  EXPECT_FALSE(pool.take());
  for (int i = 0; i < 20; ++i) pool.add("n" + std::to_string(i));
  int count = 0;
  while (pool.take()) ++count;
  EXPECT_LE(count, 8);
}

TEST(AcmedDirectory, ReadsUrlsMetaAndRenewalInfo) {
  auto directory = parse_directory(common::json::parse(R"({
    "newNonce": "https://ca/nonce", "newAccount": "https://ca/acct", "newOrder": "https://ca/order",
    "renewalInfo": "https://ca/ari/",
    "meta": {"externalAccountRequired": true, "profiles": {"classic": "", "shortlived": ""}}})"));
  ASSERT_TRUE(directory);
  EXPECT_EQ(directory->new_order, "https://ca/order");
  EXPECT_EQ(directory->renewal_info, "https://ca/ari/");
  EXPECT_TRUE(directory->external_account_required);
  EXPECT_EQ(directory->profiles, (std::vector<std::string>{"classic", "shortlived"}));
  auto missing = parse_directory(common::json::parse(R"({"newNonce":"https://ca/n"})"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("newAccount"), std::string::npos);
  EXPECT_FALSE(parse_directory(
      common::json::parse(R"({"newNonce":"x","newAccount":"https://a","newOrder":"https://b"})")));
  EXPECT_FALSE(parse_directory(common::json::array()));
}

TEST(AcmedConfig, ValidatesAndDefaults) {
  auto config = config_from_values({{"domain", "App.Example.com, www.example.com app.example.com"},
                                    {"acme_contact", "mailto:ops@example.com"}},
                                   std::nullopt);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->domains, (std::vector<std::string>{"app.example.com", "www.example.com"}));
  EXPECT_EQ(config->directory_url, kLetsEncryptProduction);
  EXPECT_EQ(config->contacts, std::vector<std::string>{"ops@example.com"});
  EXPECT_FALSE(config->eab);

  EXPECT_FALSE(config_from_values({}, std::nullopt));
  EXPECT_FALSE(config_from_values({{"domain", "*.example.com"}}, std::nullopt));
  EXPECT_FALSE(config_from_values({{"domain", "-bad.example.com"}}, std::nullopt));
  EXPECT_FALSE(config_from_values({{"domain", "a.example"}, {"acme_directory", "http://ca/dir"}},
                                  std::nullopt));
  EXPECT_FALSE(
      config_from_values({{"domain", "a.example"}, {"acme_contact", "nobody"}}, std::nullopt));
  auto half_eab =
      config_from_values({{"domain", "a.example"}, {"acme_eab_kid", "kid"}}, std::nullopt);
  ASSERT_FALSE(half_eab);
  EXPECT_NE(half_eab.error().message.find("acme_eab_hmac"), std::string::npos);
  auto eab = config_from_values({{"domain", "a.example"}, {"acme_eab_kid", "kid"}}, "c2VjcmV0");
  ASSERT_TRUE(eab);
  ASSERT_TRUE(eab->eab);
  EXPECT_EQ(eab->eab->kid, "kid");
}

TEST(AcmedOptions, FlagsParseAndRejectNonsense) {
  auto defaults = parse_options({});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->http_port, 80);
  EXPECT_EQ(defaults->renewer.config_source, ConfigSource::attestd);
  auto set = parse_options(
      {{"config-source", "metadata"}, {"http-port", "8080"}, {"retry-initial-ms", "5"}});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->http_port, 8080);
  EXPECT_EQ(set->renewer.config_source, ConfigSource::metadata);
  EXPECT_EQ(set->renewer.retry_initial, 5ms);
  EXPECT_FALSE(parse_options({{"config-source", "disk"}}));
  EXPECT_FALSE(parse_options({{"http-port", "80x"}}));
  EXPECT_FALSE(parse_options({{"http-port", "70000"}}));
  EXPECT_FALSE(parse_options({{"no-such-flag", "1"}}));
}

}  // namespace
}  // namespace acmed
