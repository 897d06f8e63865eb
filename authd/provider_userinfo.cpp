// /userinfo (OIDC Core 5.3): the claims for a bearer access token
// (RFC 6750: Authorization header only, never the query string).

#include "common/json.hpp"
#include "authd/http_fields.hpp"
#include "authd/provider.hpp"

namespace authd {

void Provider::userinfo(const common::http::Request& req, common::http::Response& res) {
  const std::string authorization = req.get_header_value("Authorization");
  set_no_store(res);
  if (!authorization.starts_with("Bearer ") || authorization.size() > 512) {
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer realm=\"authd\"");
    return;
  }
  auto grant = access_tokens_.get(token_key(authorization.substr(7)), clock_());
  if (!grant) {
    res.status = 401;
    res.set_header("WWW-Authenticate",
                   "Bearer realm=\"authd\", error=\"invalid_token\", "
                   "error_description=\"the access token is invalid or expired\"");
    return;
  }
  common::json claims = {{"sub", grant->user.payer_id},
                         {"paypal_verified_account", grant->user.verified_account}};
  if (!grant->user.email.empty()) {
    claims["email"] = grant->user.email;
    claims["email_verified"] = grant->user.email_verified;
  }
  res.set_content(common::dump_json(claims), "application/json");
}

}  // namespace authd
