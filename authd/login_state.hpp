#pragma once
// What the provider remembers between requests, all in RAM (ttl_store.hpp).

#include <cstdint>
#include <string>

#include "authd/paypal_client.hpp"

namespace authd {

// Between /authorize and PayPal's return to /callback; keyed by the upstream
// state, bound to the browser by a cookie holding `browser_binding`.
struct PendingLogin {
  std::string client_id;
  std::string redirect_uri;
  std::string state;  // the relying party's, passed back as is
  std::string nonce;
  std::string code_challenge;  // S256; empty when the client sent none
  std::string browser_binding;
  std::int64_t started = 0;
};

// Between /callback and /token; keyed by SHA-256 of the code, single use.
struct IssuedCode {
  std::string client_id;
  std::string redirect_uri;
  std::string nonce;
  std::string code_challenge;
  PayPalUser user;
  std::int64_t auth_time = 0;
};

// What an access token grants at /userinfo; keyed by SHA-256 of the token.
struct AccessGrant {
  std::string client_id;
  PayPalUser user;
};

}  // namespace authd
