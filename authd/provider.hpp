#pragma once
// The OpenID Connect provider: PayPal upstream, standard OIDC downstream.
// Handlers take and fill common::http requests so that tests can call them
// in-process with a fake clock, and routes.cpp binds them to the server.
//
// Flow: RP -> /authorize (validated, sealed into a cookie) -> PayPal ->
// /callback (cookie matched to the state and opened, code redeemed at
// PayPal, user info read) -> RP redirect_uri?code&state&iss -> RP POSTs
// /token -> id_token (ES256).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/http_message.hpp"
#include "common/json.hpp"

#include "authd/config.hpp"
#include "authd/key_ring.hpp"
#include "authd/login_seal.hpp"
#include "authd/login_state.hpp"
#include "authd/paypal_client.hpp"
#include "authd/ttl_store.hpp"

namespace authd {

struct ProviderOptions {
  std::int64_t login_ttl_seconds = 600;  // time a person has at PayPal
  std::int64_t code_ttl_seconds = 60;
  std::int64_t access_token_ttl_seconds = 3600;
  std::int64_t id_token_ttl_seconds = 3600;
  std::size_t max_codes = 20000;  // codes, and redeemed ones kept to revoke on replay
  std::size_t max_access_tokens = 100000;
  std::chrono::milliseconds upstream_timeout{10000};  // each call to PayPal
};

using Clock = std::function<std::int64_t()>;  // unix seconds
std::int64_t system_clock_seconds();

// Everything a configuration change replaces, as one value. A request takes
// one snapshot when it starts, so it never mixes two configurations; a
// change (Provider::apply) is one atomic pointer swap.
struct ProviderSettings {
  ProviderSettings(Config config, const ProviderOptions& options);
  Config config;
  PayPalClient paypal;
  std::string discovery_bytes;
};

class Provider {
 public:
  Provider(Config config, std::shared_ptr<KeyRing> keys, ProviderOptions options,
           Clock clock = system_clock_seconds);

  // A new configuration (already validated) for the requests that start from
  // now on. Signing keys, pending logins, codes and access tokens stay.
  void apply(Config config);
  std::shared_ptr<const ProviderSettings> settings() const { return settings_.load(); }

  void discovery(const common::http::Request& req, common::http::Response& res) const;
  void jwks(const common::http::Request& req, common::http::Response& res) const;
  void authorize(const common::http::Request& req, common::http::Response& res);
  void callback(const common::http::Request& req, common::http::Response& res);
  void token(const common::http::Request& req, common::http::Response& res);
  void userinfo(const common::http::Request& req, common::http::Response& res);

 private:
  // A code and what its redemption did: kept for the access token's lifetime
  // so that a replay can revoke the token the first redemption got.
  struct CodeRecord {
    IssuedCode issued;
    std::int64_t code_expires_at = 0;
    std::string access_key;  // of the first redemption's access token
    bool claimed = false;
    bool replayed = false;
  };
  struct CodeClaim {
    enum Outcome { unknown, replayed, claimed } outcome = unknown;
    IssuedCode issued;
    std::string first_access_key;  // when replayed
  };

  // The pending login whose cookie the state is the MAC of; otherwise the
  // page that says why not is in `res`.
  std::optional<PendingLogin> take_login(const common::http::Request& req,
                                         const std::string& upstream_state,
                                         common::http::Response& res) const;
  void finish_login(const ProviderSettings& settings, const PendingLogin& login,
                    const std::string& code, common::http::Response& res);
  void redirect_with_code(const ProviderSettings& settings, const PendingLogin& login,
                          const PayPalUser& user, common::http::Response& res);
  void redirect_error(const ProviderSettings& settings, const std::string& redirect_uri,
                      const std::string& state, std::string_view error,
                      std::string_view description, common::http::Response& res) const;
  // Claims a code for one redemption, atomically.
  CodeClaim claim_code(const std::string& code_key, const std::string& access_key,
                       std::int64_t now);
  void issue_tokens(const ProviderSettings& settings, const IssuedCode& issued,
                    const std::string& code_key, const std::string& access_token,
                    common::http::Response& res);

  std::atomic<std::shared_ptr<const ProviderSettings>> settings_;
  std::shared_ptr<KeyRing> keys_;
  ProviderOptions options_;
  Clock clock_;
  LoginSealer sealer_;
  TtlStore<CodeRecord> codes_;
  TtlStore<AccessGrant> access_tokens_;
};

// The claims about the person for `scope` (e-mail only with "email"): the
// id_token's and /userinfo's.
common::json user_claims(const PayPalUser& user, std::string_view scope,
                         const std::string& paypal_environment);
// Random, URL-safe, 256 bits.
std::string random_token();
// The key under which a bearer secret is stored: its SHA-256 (raw).
std::string token_key(const std::string& token);
// The id_token's at_hash for an ES256-signed token (OIDC Core 3.1.3.6):
// base64url of the left half of SHA-256 of the access token's ASCII octets.
std::string at_hash(const std::string& access_token);

}  // namespace authd
