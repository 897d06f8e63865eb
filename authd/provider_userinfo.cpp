// /userinfo (OIDC Core 5.3): the claims for a bearer access token
// (RFC 6750: Authorization header only, never the query string), limited to
// the scope granted.

#include "authd/http_fields.hpp"
#include "authd/provider.hpp"
#include "common/json.hpp"

namespace authd {

void Provider::userinfo(const common::http::Request& req, common::http::Response& res) {
  const std::string authorization = req.get_header_value("Authorization");
  set_no_store(res);
  auto token = auth_credentials(authorization, "Bearer");
  if (!token || authorization.size() > 512) {
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer realm=\"authd\"");
    return;
  }
  auto grant = access_tokens_.get(token_key(std::string(*token)), clock_());
  if (!grant) {
    res.status = 401;
    res.set_header("WWW-Authenticate",
                   "Bearer realm=\"authd\", error=\"invalid_token\", "
                   "error_description=\"the access token is invalid or expired\"");
    return;
  }
  res.set_content(
      common::dump_json(user_claims(grant->user, grant->scope, grant->paypal_environment)),
      "application/json");
}

}  // namespace authd
