// /token: the thin HTTP shell around parse_token_request and
// check_code_binding (token_request.hpp). A code is single-use: the first
// redemption claims it at once, so that any later one, even while the first
// is still signing, is seen as a replay and revokes the access token the
// first one gets (RFC 6749 4.1.2). The response follows OIDC Core 3.1.3.3:
// token_type Bearer, expires_in, id_token, scope, no-store.

#include "authd/authorize_request.hpp"
#include "authd/http_fields.hpp"
#include "authd/provider.hpp"
#include "authd/token_request.hpp"
#include "common/json.hpp"
#include "common/log.hpp"

namespace authd {
namespace {

using common::log::Event;

void send_token_error(common::http::Response& res, const TokenError& error) {
  if (error.basic_challenge) res.set_header("WWW-Authenticate", "Basic realm=\"authd\"");
  common::json body = {{"error", error.error}, {"error_description", error.description}};
  res.status = error.status;
  set_no_store(res);
  res.set_content(common::dump_json(body), "application/json");
}

const TokenError kCodeRefused{400, "invalid_grant", "the code is invalid, expired or already used",
                              false};

}  // namespace

common::json user_claims(const PayPalUser& user, std::string_view scope,
                         const std::string& paypal_environment) {
  common::json claims = {{"sub", user.payer_id},
                         {"paypal_verified_account", user.verified_account},
                         {"paypal_environment", paypal_environment}};
  if (has_scope(scope, "email") && !user.email.empty()) {
    claims["email"] = user.email;
    claims["email_verified"] = user.email_verified;
  }
  return claims;
}

Provider::CodeClaim Provider::claim_code(const std::string& code_key, const std::string& access_key,
                                         std::int64_t now) {
  auto claim = codes_.update(code_key, now, [&](CodeRecord& record) {
    if (record.claimed) {
      record.replayed = true;
      return CodeClaim{CodeClaim::replayed, {}, record.access_key};
    }
    if (now >= record.code_expires_at) return CodeClaim{CodeClaim::unknown, {}, {}};
    record.claimed = true;
    record.access_key = access_key;
    return CodeClaim{CodeClaim::claimed, record.issued, {}};
  });
  return claim.value_or(CodeClaim{CodeClaim::unknown, {}, {}});
}

void Provider::token(const common::http::Request& req, common::http::Response& res) {
  const auto settings = this->settings();
  auto request = parse_token_request(req.get_header_value("Content-Type"), req.body,
                                     req.get_header_value("Authorization"), settings->config);
  if (!request) return send_token_error(res, request.error());
  const std::int64_t now = clock_();
  const std::string code_key = token_key(request->code);
  const std::string access_token = random_token();
  auto claim = claim_code(code_key, token_key(access_token), now);
  if (claim.outcome == CodeClaim::replayed) {
    access_tokens_.erase(claim.first_access_key);
    common::log::warning(Event{"code.replayed"}, "refused a replayed code",
                         {{"client_id", request->client->client_id},
                          {"ip", req.remote_addr},
                          {"revoked", "the access token of its first use"}});
  }
  if (claim.outcome != CodeClaim::claimed) return send_token_error(res, kCodeRefused);
  if (auto bound = check_code_binding(claim.issued, *request); !bound) {
    common::log::warning(Event{"code.misused"}, "refused a code",
                         {{"client_id", request->client->client_id},
                          {"ip", req.remote_addr},
                          {"reason", bound.error().description}});
    return send_token_error(res, bound.error());
  }
  issue_tokens(*settings, claim.issued, code_key, access_token, res);
}

void Provider::issue_tokens(const ProviderSettings& settings, const IssuedCode& issued,
                            const std::string& code_key, const std::string& access_token,
                            common::http::Response& res) {
  const std::int64_t now = clock_();
  // The access token exists before the id_token so that the id_token can
  // carry its at_hash: optional for the code flow, but libraries (Authlib,
  // node-openid-client) check it when present, binding the two together.
  common::json claims = user_claims(issued.user, issued.scope, issued.paypal_environment);
  claims.update({{"iss", settings.config.issuer},
                 {"aud", issued.client_id},
                 {"iat", now},
                 {"exp", now + options_.id_token_ttl_seconds},
                 {"auth_time", issued.auth_time},
                 {"at_hash", at_hash(access_token)}});
  if (!issued.nonce.empty()) claims["nonce"] = issued.nonce;
  auto id_token = keys_->sign_jwt(claims);
  if (!id_token) {
    common::log::error(Event{"id_token.unsigned"}, "unable to sign id_token",
                       {{"reason", id_token.error().message}});
    return send_token_error(res, {500, "server_error", "unable to sign the id_token", false});
  }
  const std::string access_key = token_key(access_token);
  access_tokens_.put(
      access_key,
      AccessGrant{issued.client_id, issued.scope, issued.paypal_environment, issued.user},
      now + options_.access_token_ttl_seconds, now);
  // A replay that came while this one was signing found the code claimed and
  // marked it; it could not yet revoke a token that did not exist.
  if (codes_.update(code_key, now, [](CodeRecord& record) { return record.replayed; })
          .value_or(false)) {
    access_tokens_.erase(access_key);
    return send_token_error(res, kCodeRefused);
  }
  common::json body = {{"access_token", access_token},
                       {"token_type", "Bearer"},
                       {"expires_in", options_.access_token_ttl_seconds},
                       {"id_token", *id_token},
                       {"scope", issued.scope}};
  set_no_store(res);
  res.set_content(common::dump_json(body), "application/json");
}

}  // namespace authd
