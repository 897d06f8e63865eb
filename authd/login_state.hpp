#pragma once
// What the provider carries between requests. A pending login lives in the
// browser's sealed cookie (login_seal.hpp), never in authd's RAM; codes and
// access tokens live in RAM (ttl_store.hpp).

#include <cstdint>
#include <string>

#include "authd/paypal_client.hpp"

namespace authd {

// Between /authorize and PayPal's return to /callback: sealed into a
// `__Host-` cookie; the upstream state is a MAC over that cookie.
struct PendingLogin {
  std::string client_id;
  std::string redirect_uri;
  std::string state;  // the relying party's, passed back as is
  std::string nonce;
  std::string code_challenge;  // S256; empty when the client sent none
  std::string scope;           // granted: "openid" or "openid email"
  std::int64_t started = 0;
};

// Between /callback and /token; keyed by SHA-256 of the code, single use.
struct IssuedCode {
  std::string client_id;
  std::string redirect_uri;
  std::string nonce;
  std::string code_challenge;
  std::string scope;
  std::string paypal_environment;  // the one PayPal confirmed the login in
  PayPalUser user;
  // When PayPal confirmed the login to authd (its return to /callback), which
  // may have reused a PayPal session: see docs/authd.md.
  std::int64_t auth_time = 0;
};

// What an access token grants at /userinfo; keyed by SHA-256 of the token.
struct AccessGrant {
  std::string client_id;
  std::string scope;
  std::string paypal_environment;
  PayPalUser user;
};

}  // namespace authd
