#pragma once
// The upstream side: "Log in with PayPal" as PayPal documents it.
//   1. the browser goes to the authorize URL (client_id, response_type=code,
//      scope, redirect_uri, state) and comes back with ?code&state;
//   2. POST {api}/v1/oauth2/token, HTTP Basic client_id:secret,
//      grant_type=authorization_code&code=... -> {"access_token", ...};
//   3. GET {api}/v1/identity/oauth2/userinfo?schema=paypalv1.1 with the bearer
//      token -> {"user_id", "payer_id", "emails": [...], "verified_account"}.
// The identity comes from 2+3 over TLS; PayPal's own id_token is ignored, so
// nothing rests on a token whose signature authd never checked.
// Errors are sorted by cause: permission (PayPal refused our credentials or
// the token), invalid_input (refused code, malformed answer), environment
// (5xx, timeouts, unreachable).

#include <chrono>
#include <string>

#include "common/error.hpp"
#include "authd/config.hpp"

namespace authd {

inline constexpr std::string_view kPayPalScopes =
    "openid email https://uri.paypal.com/services/paypalattributes";

struct PayPalUser {
  std::string payer_id;  // stable PayPal account id: our `sub`
  std::string email;     // the primary (else first) address, may be empty
  bool email_verified = false;
  bool verified_account = false;
  std::string name;
};

struct PayPalClientOptions {
  std::string client_id;
  std::string client_secret;  // secret
  PayPalEndpoints endpoints;
  std::string ca_pem;  // extra trust anchors
  std::chrono::milliseconds timeout{10000};
};

class PayPalClient {
 public:
  explicit PayPalClient(PayPalClientOptions options);

  std::string authorize_url(const std::string& state, const std::string& redirect_uri) const;
  // Returns PayPal's access token (a secret).
  common::Result<std::string> exchange_code(const std::string& code) const;
  common::Result<PayPalUser> userinfo(const std::string& access_token) const;

 private:
  PayPalClientOptions options_;
  std::string basic_authorization_;  // "Basic base64(id:secret)", built once
};

// Parses a paypalv1.1 user info document (exposed for tests).
common::Result<PayPalUser> parse_paypal_userinfo(const std::string& body);

}  // namespace authd
