// /token: the authorization_code grant (RFC 6749 4.1.3, OIDC Core 3.1.3).
// A code is single-use, short-lived, bound to the client and the redirect_uri
// it was issued for, and to the PKCE challenge when there was one. A second
// use of a code revokes the access token the first use got (RFC 6749 4.1.2).
// The response follows OIDC Core 3.1.3.3: token_type Bearer, expires_in,
// id_token, Cache-Control: no-store and Pragma: no-cache.

#include "authd/client_auth.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "authd/http_fields.hpp"
#include "authd/pkce.hpp"
#include "authd/provider.hpp"

namespace authd {

void Provider::token(const common::http::Request& req, common::http::Response& res) {
  if (req.get_header_value("Content-Type").find("application/x-www-form-urlencoded") != 0) {
    token_error(res, 400, "invalid_request", "expected application/x-www-form-urlencoded");
    return;
  }
  auto form = parse_form(req.body);
  if (!form) {
    token_error(res, 400, "invalid_request", form.error().message);
    return;
  }
  const auto settings = this->settings();
  auto client = authenticate_client(settings->config, req, *form);
  if (!client) {
    const auto& failure = client.error();
    if (failure.error == "invalid_client") {
      if (failure.used_basic) res.set_header("WWW-Authenticate", "Basic realm=\"authd\"");
      token_error(res, 401, failure.error, failure.description);
    } else {
      token_error(res, 400, failure.error, failure.description);
    }
    return;
  }
  auto field = [&](const char* key) -> std::string {
    auto it = form->find(key);
    return it == form->end() ? std::string() : it->second;
  };
  if (field("grant_type") != "authorization_code") {
    token_error(res, 400, "unsupported_grant_type", "only authorization_code");
    return;
  }
  const std::string code = field("code");
  if (code.empty() || code.size() > 256) {
    token_error(res, 400, "invalid_request", "code is missing");
    return;
  }
  const std::int64_t now = clock_();
  const std::string code_key = token_key(code);
  auto issued = codes_.take(code_key, now);
  if (!issued) {
    if (auto first_use = redeemed_codes_.take(code_key, now)) {
      access_tokens_.erase(*first_use);
      common::log::warning("authorization code replayed; its access token is revoked",
                           {{"client_id", (*client)->client_id}, {"ip", req.remote_addr}});
    }
    token_error(res, 400, "invalid_grant", "the code is invalid, expired or already used");
    return;
  }
  if (issued->client_id != (*client)->client_id) {
    common::log::warning("code presented by another client",
                         {{"client_id", (*client)->client_id}, {"ip", req.remote_addr}});
    token_error(res, 400, "invalid_grant", "the code was issued to another client");
    return;
  }
  if (field("redirect_uri") != issued->redirect_uri) {
    token_error(res, 400, "invalid_grant", "redirect_uri does not match the authorization");
    return;
  }
  const std::string verifier = field("code_verifier");
  if (!issued->code_challenge.empty()) {
    if (!pkce_s256_matches(verifier, issued->code_challenge)) {
      token_error(res, 400, "invalid_grant", "code_verifier is missing or wrong");
      return;
    }
  } else if (!verifier.empty()) {
    token_error(res, 400, "invalid_grant", "no code_challenge was sent for this code");
    return;
  }

  // The access token exists before the id_token so that the id_token can
  // carry its at_hash: optional for the code flow, but libraries (Authlib,
  // node-openid-client) check it when present, binding the two together.
  const std::string access_token = random_token();
  const auto& user = issued->user;
  common::json claims = {
      {"iss", settings->config.issuer},
      {"sub", user.payer_id},
      {"aud", issued->client_id},
      {"iat", now},
      {"exp", now + options_.id_token_ttl_seconds},
      {"auth_time", issued->auth_time},
      {"at_hash", at_hash(access_token)},
      {"paypal_verified_account", user.verified_account},
  };
  if (!issued->nonce.empty()) claims["nonce"] = issued->nonce;
  if (!user.email.empty()) {
    claims["email"] = user.email;
    claims["email_verified"] = user.email_verified;
  }
  auto id_token = keys_->sign_jwt(claims);
  if (!id_token) {
    common::log::error("unable to sign id_token", {{"reason", id_token.error().message}});
    token_error(res, 500, "server_error", "unable to sign the id_token");
    return;
  }
  const std::string access_key = token_key(access_token);
  access_tokens_.put(access_key, AccessGrant{issued->client_id, user},
                     now + options_.access_token_ttl_seconds, now);
  redeemed_codes_.put(code_key, access_key, now + options_.access_token_ttl_seconds, now);

  common::json body = {{"access_token", access_token},
                       {"token_type", "Bearer"},
                       {"expires_in", options_.access_token_ttl_seconds},
                       {"id_token", *id_token},
                       {"scope", "openid email"}};
  set_no_store(res);
  res.set_content(common::dump_json(body), "application/json");
}

}  // namespace authd
