#pragma once
// authd's configuration: the non-secret, measured keys (from attestd or the
// metadata server, see config_loader.hpp) turned into typed values, plus the
// PayPal client secret, which is never measured and never logged.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/log.hpp"

namespace authd {

// A relying party. Confidential clients authenticate at /token with a secret
// whose SHA-256 (hex) is configured; public clients (browser or native apps)
// have no secret and must use PKCE S256.
struct OidcClient {
  std::string client_id;
  std::vector<std::string> redirect_uris;  // exact match, no prefixes
  std::string client_secret_sha256;        // raw 32 bytes; empty for public clients
  bool is_public = false;
  // Exact match, except that a loopback http URI matches on any port
  // (RFC 8252 7.3).
  bool allows_redirect_uri(const std::string& uri) const;
};

struct PayPalEndpoints {
  std::string authorize_url;  // browser-facing consent page
  std::string api_base;       // /v1/oauth2/token and /v1/identity/... live here
};

// An absolute URL cut at its parts; no userinfo allowed (nullopt).
struct UrlParts {
  std::string_view scheme;
  std::string_view host;  // "[::1]" keeps its brackets
  std::string_view port;  // empty when absent
  std::string path_and_query;
};
std::optional<UrlParts> split_url(std::string_view url);

// PayPal's documented endpoints for "live" and "sandbox".
common::Result<PayPalEndpoints> paypal_endpoints(const std::string& environment);

struct Config {
  std::string domain;  // host[:port] the appliance is reached at
  std::string issuer;  // "https://" + domain
  std::string paypal_client_id;
  std::string paypal_client_secret;  // secret
  std::string paypal_environment;    // "live" | "sandbox", required
  PayPalEndpoints paypal;
  std::string extra_ca_pem;  // sandbox only: trust anchors for upstream TLS (the simulation's CA)
  std::map<std::string, OidcClient> clients;

  const OidcClient* client(const std::string& client_id) const;
  std::string callback_url() const { return issuer + "/callback"; }
};

// Builds the typed configuration from string key/values as the metadata server
// and attestd's config.get hand them out. The secret is passed separately.
common::Result<Config> parse_config(const std::map<std::string, std::string>& values,
                                    std::string paypal_client_secret);

// Parses the `oidc_clients` JSON list:
// [{"client_id": "...", "redirect_uris": ["https://..."],
//   "client_secret_sha256": "<hex>"} | {..., "public": true}]
common::Result<std::map<std::string, OidcClient>> parse_oidc_clients(const std::string& text);

// Logs what an operator checks of a configuration in force (the client
// secret only as a redacted marker).
void log_config(common::log::Event event, std::string_view message, const Config& config);
// As above with the event "config.loaded" (main's start-up line).
void log_config(std::string_view message, const Config& config);

}  // namespace authd
