#include "authd/authorize_request.hpp"

#include <algorithm>
#include <charconv>

#include "authd/pkce.hpp"

namespace authd {
namespace {

constexpr std::size_t kMaxParamBytes = 1024;

std::size_t count(const common::http::Params& params, std::string_view key) {
  return params.count(std::string(key));
}

std::string value(const common::http::Params& params, std::string_view key) {
  auto it = params.find(std::string(key));
  return it == params.end() ? std::string() : it->second;
}

// The client and its redirect URI, or the page to show.
std::expected<const OidcClient*, AuthorizePage> identify_client(const common::http::Params& params,
                                                                const Config& config) {
  for (const char* key : {"client_id", "redirect_uri"}) {
    if (count(params, key) != 1) {
      return std::unexpected(
          AuthorizePage{400, "Invalid login request",
                        std::string("The application sent no single ") + key + "."});
    }
  }
  const OidcClient* client = config.client(value(params, "client_id"));
  if (client == nullptr) {
    return std::unexpected(
        AuthorizePage{400, "Unknown application",
                      "The application that sent you here is not registered with this service."});
  }
  if (!client->allows_redirect_uri(value(params, "redirect_uri"))) {
    return std::unexpected(
        AuthorizePage{400, "Invalid return address",
                      "The application asked to return you to an address it has not registered."});
  }
  return client;
}

// The scopes authd grants out of those asked: openid, and email if asked.
std::string granted_scope(std::string_view asked) {
  return has_scope(asked, "email") ? "openid email" : "openid";
}

// prompt and max_age (OIDC Core 3.1.2.1). authd can neither make PayPal ask
// for the password again nor learn when the person last typed it, so every
// request for a fresh login is answered with the error the spec names.
std::expected<void, std::pair<std::string, std::string>> check_freshness(
    const common::http::Params& params) {
  using Failure = std::pair<std::string, std::string>;
  const std::string prompt = value(params, "prompt");
  if (has_scope(prompt, "none")) {
    if (prompt != "none") return std::unexpected(Failure{"invalid_request", "prompt=none alone"});
    return std::unexpected(Failure{"login_required", "a PayPal login needs the person"});
  }
  if (has_scope(prompt, "login")) {
    return std::unexpected(Failure{"login_required", "PayPal cannot be asked for a fresh login"});
  }
  if (has_scope(prompt, "consent")) {
    return std::unexpected(Failure{"consent_required", "PayPal asks for consent only once"});
  }
  if (has_scope(prompt, "select_account")) {
    return std::unexpected(
        Failure{"account_selection_required", "PayPal cannot be asked to offer another account"});
  }
  if (count(params, "max_age") == 0) return {};
  const std::string max_age = value(params, "max_age");
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(max_age.data(), max_age.data() + max_age.size(), seconds);
  if (ec != std::errc() || end != max_age.data() + max_age.size() || seconds < 0) {
    return std::unexpected(Failure{"invalid_request", "max_age must be a number of seconds"});
  }
  return std::unexpected(
      Failure{"login_required", "PayPal cannot say when the person last authenticated"});
}

// Everything after the client is known good; errors go back to redirect_uri.
std::expected<void, std::pair<std::string, std::string>> check_parameters(
    const common::http::Params& params, const OidcClient& client) {
  using Failure = std::pair<std::string, std::string>;
  for (const auto& [key, text] : params) {
    if (text.size() > kMaxParamBytes)
      return std::unexpected(Failure{"invalid_request", key + " too long"});
  }
  for (const char* key : {"response_type", "scope", "nonce", "code_challenge",
                          "code_challenge_method", "prompt", "response_mode", "max_age"}) {
    if (count(params, key) > 1) {
      return std::unexpected(Failure{"invalid_request", std::string(key) + " repeated"});
    }
  }
  if (value(params, "response_type") != "code") {
    return std::unexpected(Failure{"unsupported_response_type", "only response_type=code"});
  }
  if (count(params, "response_mode") > 0 && value(params, "response_mode") != "query") {
    return std::unexpected(Failure{"invalid_request", "only response_mode=query"});
  }
  if (!has_scope(value(params, "scope"), "openid")) {
    return std::unexpected(Failure{"invalid_scope", "scope must include openid"});
  }
  if (count(params, "request") > 0 || count(params, "request_uri") > 0) {
    return std::unexpected(Failure{"request_not_supported", "request objects are not supported"});
  }
  if (auto fresh = check_freshness(params); !fresh) return fresh;
  const std::string challenge = value(params, "code_challenge");
  if (!challenge.empty() || count(params, "code_challenge_method") > 0) {
    if (value(params, "code_challenge_method") != "S256") {
      return std::unexpected(Failure{"invalid_request", "code_challenge_method must be S256"});
    }
    if (!is_valid_code_challenge(challenge)) {
      return std::unexpected(Failure{"invalid_request", "malformed code_challenge"});
    }
  }
  if (client.is_public && challenge.empty()) {
    return std::unexpected(Failure{"invalid_request", "public clients must use PKCE (S256)"});
  }
  return {};
}

}  // namespace

bool has_scope(std::string_view scopes, std::string_view wanted) {
  std::size_t pos = 0;
  while (pos <= scopes.size()) {
    auto end = scopes.find(' ', pos);
    if (end == std::string_view::npos) end = scopes.size();
    if (scopes.substr(pos, end - pos) == wanted) return true;
    pos = end + 1;
  }
  return false;
}

std::expected<AuthorizeRequest, AuthorizeError> parse_authorize_request(
    const common::http::Params& params, const Config& config) {
  auto client = identify_client(params, config);
  if (!client) return std::unexpected(client.error());
  AuthorizeRequest request;
  request.client_id = (*client)->client_id;
  request.redirect_uri = value(params, "redirect_uri");
  if (count(params, "state") > 1) {
    return std::unexpected(
        AuthorizeRedirect{request.redirect_uri, "", "invalid_request", "state repeated"});
  }
  request.state = value(params, "state");
  if (auto checked = check_parameters(params, **client); !checked) {
    auto [error, description] = checked.error();
    return std::unexpected(AuthorizeRedirect{request.redirect_uri, request.state, std::move(error),
                                             std::move(description)});
  }
  request.nonce = value(params, "nonce");
  request.code_challenge = value(params, "code_challenge");
  request.scope = granted_scope(value(params, "scope"));
  return request;
}

}  // namespace authd
