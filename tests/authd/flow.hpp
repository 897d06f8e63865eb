#pragma once
// The relying party's side of the tests: its registration, the authorize
// URL it builds, its back-channel calls to /token and /userinfo.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "browser.hpp"
#include "common/http_client.hpp"
#include "common/json.hpp"

namespace authd_test {

struct RelyingParty {
  std::string client_id;
  std::string secret;  // empty: public client
  std::string redirect_uri;
};

inline const RelyingParty kWebApp{"webapp", "webapp-secret-0123456789abcdef",
                                  "https://rp.example/oidc/callback"};
inline const RelyingParty kOtherApp{"otherapp", "otherapp-secret-fedcba9876543210",
                                    "https://other.example/cb"};
inline const RelyingParty kSpa{"spa", "", "https://spa.example/callback"};
// A native app (RFC 8252): a loopback redirect URI, any port at login time.
inline const RelyingParty kNative{"native", "", "http://127.0.0.1/callback"};

// oidc_clients for the four relying parties above.
std::string oidc_clients_json();

struct AuthorizeParams {
  std::string client_id;
  std::string redirect_uri;
  std::string scope = "openid email";
  std::string state = "rp-state-123";
  std::string nonce = "rp-nonce-456";
  std::string code_challenge;  // S256 when set
  std::vector<std::pair<std::string, std::string>> extra;
};
AuthorizeParams authorize_params(const RelyingParty& rp);
std::string authorize_url(const std::string& issuer, const AuthorizeParams& params);

struct Pkce {
  std::string verifier;
  std::string challenge;
};
Pkce make_pkce();

using Form = std::vector<std::pair<std::string, std::string>>;
// POST /token; basic = {id, secret} for client_secret_basic.
common::Result<common::HttpResponse> post_token(
    const std::string& issuer, const std::string& ca_pem, const Form& form,
    const std::optional<std::pair<std::string, std::string>>& basic = std::nullopt);
common::Result<common::HttpResponse> get_with_bearer(const std::string& url,
                                                     const std::string& ca_pem,
                                                     const std::string& token);
common::Result<common::json> get_json(const std::string& url, const std::string& ca_pem);

// The standard code redemption for a confidential client (basic auth).
Form code_form(const std::string& code, const std::string& redirect_uri,
               const std::string& verifier = "");

}  // namespace authd_test
