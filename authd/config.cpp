#include "authd/config.hpp"

#include "common/crypto.hpp"
#include "common/json.hpp"
#include "common/log.hpp"

namespace authd {
namespace {

using common::Error;
using common::fail;

bool is_valid_domain(const std::string& domain) {
  if (domain.empty() || domain.size() > 253) return false;
  for (char c : domain) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// Redirect URIs must be absolute https URLs without a fragment (RFC 6749
// 3.1.2); http is allowed only for loopback, as RFC 8252 allows for native apps.
bool is_valid_redirect_uri(const std::string& uri) {
  if (uri.find('#') != std::string::npos) return false;
  if (uri.starts_with("https://") && uri.size() > 8) return true;
  return uri.starts_with("http://127.0.0.1") || uri.starts_with("http://localhost") ||
         uri.starts_with("http://[::1]");
}

common::Result<OidcClient> parse_client(const common::json& item) {
  auto id = common::string_field(item, "client_id");
  if (!id || id->empty() || id->size() > 256) {
    return fail(Error::Kind::invalid_input, "a client needs a client_id");
  }
  OidcClient client;
  client.client_id = *id;
  auto uris = item.find("redirect_uris");
  if (uris == item.end() || !uris->is_array() || uris->empty()) {
    return fail(Error::Kind::invalid_input, "client " + *id + " needs redirect_uris");
  }
  for (const auto& uri : *uris) {
    if (!uri.is_string() || !is_valid_redirect_uri(uri.get<std::string>())) {
      return fail(Error::Kind::invalid_input, "client " + *id + " has an invalid redirect_uri");
    }
    client.redirect_uris.push_back(uri.get<std::string>());
  }
  auto is_public = item.find("public");
  client.is_public = is_public != item.end() && is_public->is_boolean() && is_public->get<bool>();
  auto hash = item.find("client_secret_sha256");
  if (hash != item.end()) {
    if (!hash->is_string()) {
      return fail(Error::Kind::invalid_input, "client " + *id + ": client_secret_sha256 not text");
    }
    auto raw = common::crypto::unhex(hash->get<std::string>());
    if (!raw || raw->size() != 32) {
      return fail(Error::Kind::invalid_input,
                  "client " + *id + ": client_secret_sha256 must be 64 hex digits");
    }
    client.client_secret_sha256 = *raw;
  }
  if (client.is_public == !client.client_secret_sha256.empty()) {
    return fail(Error::Kind::invalid_input,
                "client " + *id + " needs exactly one of client_secret_sha256 or \"public\": true");
  }
  return client;
}

}  // namespace

common::Result<PayPalEndpoints> paypal_endpoints(const std::string& environment) {
  if (environment == "live") {
    return PayPalEndpoints{"https://www.paypal.com/signin/authorize", "https://api-m.paypal.com"};
  }
  if (environment == "sandbox") {
    return PayPalEndpoints{"https://www.sandbox.paypal.com/signin/authorize",
                           "https://api-m.sandbox.paypal.com"};
  }
  return fail(Error::Kind::invalid_input,
              "paypal_environment must be \"live\" or \"sandbox\", not \"" + environment + "\"");
}

const OidcClient* Config::client(const std::string& client_id) const {
  auto it = clients.find(client_id);
  return it == clients.end() ? nullptr : &it->second;
}

common::Result<std::map<std::string, OidcClient>> parse_oidc_clients(const std::string& text) {
  auto parsed = common::parse_json(text);
  if (!parsed) return std::unexpected(common::wrap(parsed.error(), "oidc_clients"));
  if (!parsed->is_array()) return fail(Error::Kind::invalid_input, "oidc_clients: not a list");
  std::map<std::string, OidcClient> clients;
  for (const auto& item : *parsed) {
    auto client = parse_client(item);
    if (!client) return std::unexpected(common::wrap(client.error(), "oidc_clients"));
    if (!clients.emplace(client->client_id, *client).second) {
      return fail(Error::Kind::invalid_input, "oidc_clients: duplicate " + client->client_id);
    }
  }
  return clients;
}

common::Result<Config> parse_config(const std::map<std::string, std::string>& values,
                                    std::string paypal_client_secret) {
  auto value = [&](const char* key) -> std::string {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  };
  Config config;
  config.domain = value("domain");
  if (!is_valid_domain(config.domain)) {
    return fail(Error::Kind::invalid_input, "domain is missing or not a host name");
  }
  config.issuer = "https://" + config.domain;
  config.paypal_client_id = value("paypal_client_id");
  if (config.paypal_client_id.empty()) {
    return fail(Error::Kind::invalid_input, "paypal_client_id is missing");
  }
  if (paypal_client_secret.empty()) {
    return fail(Error::Kind::invalid_input, "the PayPal client secret is missing");
  }
  config.paypal_client_secret = std::move(paypal_client_secret);
  config.paypal_environment = value("paypal_environment");
  if (config.paypal_environment.empty()) config.paypal_environment = "sandbox";
  auto endpoints = paypal_endpoints(config.paypal_environment);
  if (!endpoints) return std::unexpected(endpoints.error());
  config.paypal = *endpoints;
  if (auto url = value("paypal_authorize_url"); !url.empty()) config.paypal.authorize_url = url;
  if (auto base = value("paypal_api_base"); !base.empty()) {
    while (base.ends_with('/')) base.pop_back();
    config.paypal.api_base = base;
  }
  config.extra_ca_pem = value("extra_ca_pem");
  auto clients = parse_oidc_clients(value("oidc_clients").empty() ? "[]" : value("oidc_clients"));
  if (!clients) return std::unexpected(clients.error());
  if (clients->empty()) {
    return fail(Error::Kind::invalid_input, "oidc_clients lists no relying party");
  }
  config.clients = std::move(*clients);
  return config;
}

void log_config(std::string_view message, const Config& config) {
  common::log::notice(message,
                      {{"issuer", config.issuer},
                       {"paypal_environment", config.paypal_environment},
                       {"paypal_client_id", config.paypal_client_id},
                       {"paypal_client_secret", common::log::Secret{config.paypal_client_secret}},
                       {"clients", config.clients.size()}});
}

}  // namespace authd
