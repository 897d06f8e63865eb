#include "authd/config.hpp"

#include <algorithm>

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

bool is_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "[::1]" || host == "localhost";
}

// Redirect URIs must be absolute https URLs without a fragment (RFC 6749
// 3.1.2); http is allowed only for a loopback host, as RFC 8252 7.3 allows
// for native apps. The host is parsed, never matched by prefix
// ("http://localhost.evil.com" is not loopback).
bool is_valid_redirect_uri(const std::string& uri) {
  if (uri.find('#') != std::string::npos) return false;
  auto url = split_url(uri);
  if (!url) return false;
  if (url->scheme == "https") return true;
  return url->scheme == "http" && is_loopback_host(url->host);
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

common::Result<std::string> endpoint_override(const std::string& key, std::string url,
                                              const std::string& environment) {
  if (environment != "sandbox") {
    return fail(Error::Kind::invalid_input, key +
                                                " is allowed only with paypal_environment "
                                                "\"sandbox\" (it points authd at a simulation)");
  }
  auto parts = split_url(url);
  if (!parts || parts->scheme != "https") {
    return fail(Error::Kind::invalid_input, key + " must be an https URL");
  }
  while (url.ends_with('/')) url.pop_back();
  return url;
}

// The simulation's overrides (paypal_authorize_url, paypal_api_base,
// extra_ca_pem): accepted only with the sandbox, URLs only over https.
common::Status apply_overrides(Config& config, const std::map<std::string, std::string>& values) {
  const std::pair<const char*, std::string*> urls[] = {
      {"paypal_authorize_url", &config.paypal.authorize_url},
      {"paypal_api_base", &config.paypal.api_base}};
  for (const auto& [key, target] : urls) {
    auto it = values.find(key);
    if (it == values.end() || it->second.empty()) continue;
    auto url = endpoint_override(key, it->second, config.paypal_environment);
    if (!url) return std::unexpected(url.error());
    *target = std::move(*url);
  }
  auto ca = values.find("extra_ca_pem");
  if (ca == values.end() || ca->second.empty()) return {};
  if (config.paypal_environment != "sandbox") {
    return fail(Error::Kind::invalid_input,
                "extra_ca_pem is allowed only with paypal_environment \"sandbox\"");
  }
  config.extra_ca_pem = ca->second;
  return {};
}

}  // namespace

std::optional<UrlParts> split_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  UrlParts parts;
  parts.scheme = url.substr(0, scheme_end);
  auto rest = url.substr(scheme_end + 3);
  auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  parts.path_and_query =
      authority_end == std::string_view::npos ? "" : std::string(rest.substr(authority_end));
  // No userinfo: "http://localhost@evil.com" names evil.com.
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  auto port_colon = authority.rfind(':');
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    port_colon = close + 1 < authority.size() ? close + 1 : std::string_view::npos;
    if (port_colon != std::string_view::npos && authority[port_colon] != ':') return std::nullopt;
  }
  parts.host = authority.substr(0, port_colon);
  if (port_colon != std::string_view::npos) {
    parts.port = authority.substr(port_colon + 1);
    if (!is_port(parts.port)) return std::nullopt;
  }
  if (parts.host.empty()) return std::nullopt;
  return parts;
}

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

bool OidcClient::allows_redirect_uri(const std::string& uri) const {
  if (std::find(redirect_uris.begin(), redirect_uris.end(), uri) != redirect_uris.end()) {
    return true;
  }
  // RFC 8252 7.3: a loopback redirect URI matches on any port, since a native
  // app gets whatever port the system hands it.
  auto asked = split_url(uri);
  if (!asked || asked->scheme != "http" || !is_loopback_host(asked->host)) return false;
  return std::any_of(redirect_uris.begin(), redirect_uris.end(), [&](const std::string& mine) {
    auto registered = split_url(mine);
    return registered && registered->scheme == "http" && registered->host == asked->host &&
           registered->path_and_query == asked->path_and_query;
  });
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
  // Required: a default would let a forgotten key run production on the
  // sandbox, whose accounts carry any e-mail address anyone typed.
  config.paypal_environment = value("paypal_environment");
  if (config.paypal_environment.empty()) {
    return fail(Error::Kind::invalid_input,
                "paypal_environment is missing (\"live\" or \"sandbox\")");
  }
  auto endpoints = paypal_endpoints(config.paypal_environment);
  if (!endpoints) return std::unexpected(endpoints.error());
  config.paypal = *endpoints;
  if (auto applied = apply_overrides(config, values); !applied) {
    return std::unexpected(applied.error());
  }
  auto clients = parse_oidc_clients(value("oidc_clients").empty() ? "[]" : value("oidc_clients"));
  if (!clients) return std::unexpected(clients.error());
  if (clients->empty()) {
    return fail(Error::Kind::invalid_input, "oidc_clients lists no relying party");
  }
  config.clients = std::move(*clients);
  return config;
}

void log_config(std::string_view message, const Config& config) {
  log_config(common::log::Event{"config.loaded"}, message, config);
}

void log_config(common::log::Event event, std::string_view message, const Config& config) {
  common::log::notice(event, message,
                      {{"issuer", config.issuer},
                       {"paypal_environment", config.paypal_environment},
                       {"paypal_client_id", config.paypal_client_id},
                       {"paypal_client_secret", common::log::Secret{config.paypal_client_secret}},
                       {"clients", config.clients.size()}});
}

}  // namespace authd
