#include "authd/token_request.hpp"

#include "authd/client_auth.hpp"
#include "authd/http_fields.hpp"
#include "authd/pkce.hpp"

namespace authd {
namespace {

std::unexpected<TokenError> refuse(std::string error, std::string description) {
  return std::unexpected(TokenError{400, std::move(error), std::move(description), false});
}

std::string field(const std::map<std::string, std::string>& form, const char* key) {
  auto it = form.find(key);
  return it == form.end() ? std::string() : it->second;
}

}  // namespace

std::expected<TokenRequest, TokenError> parse_token_request(std::string_view content_type,
                                                            const std::string& body,
                                                            std::string_view authorization,
                                                            const Config& config) {
  if (content_type.find("application/x-www-form-urlencoded") != 0) {
    return refuse("invalid_request", "expected application/x-www-form-urlencoded");
  }
  auto form = parse_form(body);
  if (!form) return refuse("invalid_request", form.error().message);
  auto client = authenticate_client(config, authorization, *form);
  if (!client) {
    const auto& failure = client.error();
    const bool unauthorized = failure.error == "invalid_client";
    return std::unexpected(TokenError{unauthorized ? 401 : 400, failure.error, failure.description,
                                      unauthorized && failure.used_basic});
  }
  if (field(*form, "grant_type") != "authorization_code") {
    return refuse("unsupported_grant_type", "only authorization_code");
  }
  TokenRequest request{*client, field(*form, "code"), field(*form, "redirect_uri"),
                       field(*form, "code_verifier")};
  if (request.code.empty() || request.code.size() > 256) {
    return refuse("invalid_request", "code is missing");
  }
  return request;
}

std::expected<void, TokenError> check_code_binding(const IssuedCode& issued,
                                                   const TokenRequest& request) {
  if (issued.client_id != request.client->client_id) {
    return refuse("invalid_grant", "the code was issued to another client");
  }
  if (request.redirect_uri != issued.redirect_uri) {
    return refuse("invalid_grant", "redirect_uri does not match the authorization");
  }
  if (!issued.code_challenge.empty()) {
    if (!pkce_s256_matches(request.code_verifier, issued.code_challenge)) {
      return refuse("invalid_grant", "code_verifier is missing or wrong");
    }
  } else if (!request.code_verifier.empty()) {
    return refuse("invalid_grant", "no code_challenge was sent for this code");
  }
  return {};
}

}  // namespace authd
