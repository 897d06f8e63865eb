#pragma once
// Pending logins sealed into the browser's cookie rather than held by authd
// (issue 12 item 1): a flood of /authorize then costs authd nothing and
// cannot push out anyone's login, and any process holding the keys could
// finish it. The cookie is AES-256-GCM over the login, with keys born in RAM
// at start (a restart ends logins in flight, as before); the PayPal `state`
// is an HMAC-SHA256 over the sealed cookie, so a return from PayPal finishes
// only in the browser that started it (login CSRF).
//
// A browser holds at most kLoginCookieSlots such cookies (several tabs may
// log in at once); a new login takes a free slot or the oldest one, so the
// Cookie header stays bounded (well under 8 KiB) however many logins start.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "authd/login_state.hpp"

namespace authd {

inline constexpr std::size_t kLoginCookieSlots = 3;
// A sealed login longer than this is refused: state and nonce are the
// relying party's to choose, the cookie's size is not.
inline constexpr std::size_t kMaxSealedLoginBytes = 1800;

// "__Host-authd-login-<slot>" (Secure, Path=/, no Domain).
std::string login_cookie_name(std::size_t slot);

class LoginSealer {
 public:
  LoginSealer();  // draws both keys; no randomness aborts (an impossible state)

  // base64url(nonce | ciphertext | tag).
  std::string seal(const PendingLogin& login) const;
  // The login, or nullopt for anything authd did not seal with these keys.
  std::optional<PendingLogin> open(std::string_view sealed) const;
  // The upstream state for a sealed login: base64url(HMAC-SHA256).
  std::string state_for(std::string_view sealed) const;

 private:
  std::string aead_key_;
  std::string mac_key_;
};

}  // namespace authd
