#include "authd/provider.hpp"

#include <chrono>
#include <cstdlib>

#include "authd/http_fields.hpp"
#include "common/crypto.hpp"
#include "common/json.hpp"
#include "common/log.hpp"

namespace authd {
namespace {

std::string build_discovery(const Config& config) {
  const auto& iss = config.issuer;
  common::json doc = {
      {"issuer", iss},
      {"authorization_endpoint", iss + "/authorize"},
      {"token_endpoint", iss + "/token"},
      {"userinfo_endpoint", iss + "/userinfo"},
      {"jwks_uri", iss + "/jwks.json"},
      {"response_types_supported", {"code"}},
      {"response_modes_supported", {"query"}},
      {"grant_types_supported", {"authorization_code"}},
      {"subject_types_supported", {"public"}},
      {"id_token_signing_alg_values_supported", {"ES256"}},
      {"scopes_supported", {"openid", "email"}},
      {"token_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "none"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"claims_supported",
       {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "email",
        "email_verified", "paypal_verified_account", "paypal_environment"}},
      // Not standard: "sandbox" means PayPal's test environment, whose
      // accounts carry any e-mail address anyone typed (docs/authd.md).
      {"paypal_environment", config.paypal_environment},
      {"authorization_response_iss_parameter_supported", true},
      {"claims_parameter_supported", false},
      {"request_parameter_supported", false},
      {"request_uri_parameter_supported", false},
  };
  return common::dump_json(doc);
}

PayPalClientOptions paypal_options(const Config& config, const ProviderOptions& provider) {
  PayPalClientOptions options;
  options.client_id = config.paypal_client_id;
  options.client_secret = config.paypal_client_secret;
  options.endpoints = config.paypal;
  options.ca_pem = config.extra_ca_pem;
  options.timeout = provider.upstream_timeout;
  return options;
}

}  // namespace

std::int64_t system_clock_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string random_token() {
  auto bytes = common::crypto::random_bytes(32);
  if (!bytes) {
    // No randomness means no safe token: an impossible state; let init restart us.
    common::log::critical(common::log::Event{"random.unavailable"}, "unable to draw random bytes",
                          {{"reason", bytes.error().message}});
    std::abort();
  }
  return common::crypto::base64url(*bytes);
}

std::string token_key(const std::string& token) { return common::crypto::sha256(token); }

std::string at_hash(const std::string& access_token) {
  return common::crypto::base64url(common::crypto::sha256(access_token).substr(0, 16));
}

ProviderSettings::ProviderSettings(Config config_in, const ProviderOptions& options)
    : config(std::move(config_in)),
      paypal(paypal_options(config, options)),
      discovery_bytes(build_discovery(config)) {}

Provider::Provider(Config config, std::shared_ptr<KeyRing> keys, ProviderOptions options,
                   Clock clock)
    : settings_(std::make_shared<const ProviderSettings>(std::move(config), options)),
      keys_(std::move(keys)),
      options_(options),
      clock_(std::move(clock)),
      codes_(options.max_codes),
      access_tokens_(options.max_access_tokens) {}

void Provider::apply(Config config) {
  settings_.store(std::make_shared<const ProviderSettings>(std::move(config), options_));
}

void Provider::discovery(const common::http::Request&, common::http::Response& res) const {
  // Short, since an operator may change the domain (and so the issuer) live.
  res.set_header("Cache-Control", "public, max-age=300");
  res.set_content(settings()->discovery_bytes, "application/json");
}

void Provider::jwks(const common::http::Request&, common::http::Response& res) const {
  auto bytes = keys_->jwks_bytes();
  // The key ring publishes each next key this long before it signs, so a
  // relying party's cached copy always holds the signing key.
  res.set_header("Cache-Control", "public, max-age=" + std::to_string(kJwksMaxAgeSeconds));
  res.set_content(*bytes, "application/json");
}

void Provider::redirect_error(const ProviderSettings& settings, const std::string& redirect_uri,
                              const std::string& state, std::string_view error,
                              std::string_view description, common::http::Response& res) const {
  std::vector<std::pair<std::string, std::string>> params = {
      {"error", std::string(error)}, {"error_description", std::string(description)}};
  if (!state.empty()) params.emplace_back("state", state);
  params.emplace_back("iss", settings.config.issuer);
  set_no_store(res);
  res.set_redirect(with_query(redirect_uri, params), 302);
}

}  // namespace authd
