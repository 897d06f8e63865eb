#include "authd/client_auth.hpp"

#include "authd/http_fields.hpp"
#include "common/crypto.hpp"
#include "common/http_message.hpp"

namespace authd {
namespace {

struct Presented {
  std::string client_id;
  std::optional<std::string> secret;
  bool basic = false;
};

std::unexpected<ClientAuthFailure> failure(std::string error, std::string description, bool basic) {
  return std::unexpected(ClientAuthFailure{std::move(error), std::move(description), basic});
}

std::optional<std::string> form_value(const std::map<std::string, std::string>& form,
                                      const char* key) {
  auto it = form.find(key);
  if (it == form.end()) return std::nullopt;
  return it->second;
}

// RFC 6749 2.3.1: id and secret are form-urlencoded before base64.
std::expected<Presented, ClientAuthFailure> from_basic(std::string_view credentials) {
  auto decoded = common::crypto::base64_decode(credentials);
  if (!decoded) return failure("invalid_client", "malformed Basic credentials", true);
  auto colon = decoded->find(':');
  if (colon == std::string::npos) {
    return failure("invalid_client", "malformed Basic credentials", true);
  }
  Presented presented;
  presented.client_id = common::http::url_decode(decoded->substr(0, colon), true);
  presented.secret = common::http::url_decode(decoded->substr(colon + 1), true);
  presented.basic = true;
  return presented;
}

}  // namespace

std::expected<const OidcClient*, ClientAuthFailure> authenticate_client(
    const Config& config, std::string_view authorization,
    const std::map<std::string, std::string>& form) {
  auto form_id = form_value(form, "client_id");
  auto form_secret = form_value(form, "client_secret");
  Presented presented;
  if (auto credentials = auth_credentials(authorization, "Basic")) {
    if (form_secret) {
      return failure("invalid_request", "more than one client authentication method", true);
    }
    auto basic = from_basic(*credentials);
    if (!basic) return std::unexpected(basic.error());
    presented = *basic;
    if (form_id && *form_id != presented.client_id) {
      return failure("invalid_request", "client_id differs from the authenticated client", true);
    }
  } else {
    if (!form_id) return failure("invalid_client", "no client authentication", false);
    presented.client_id = *form_id;
    presented.secret = form_secret;
  }
  const OidcClient* client = config.client(presented.client_id);
  if (client == nullptr) {
    return failure("invalid_client", "unknown client", presented.basic);
  }
  if (client->is_public) {
    if (presented.secret) {
      return failure("invalid_client", "public clients have no secret", presented.basic);
    }
    return client;
  }
  if (!presented.secret) {
    return failure("invalid_client", "client authentication required", presented.basic);
  }
  auto digest = common::crypto::sha256(*presented.secret);
  if (!common::crypto::equal_constant_time(digest, client->client_secret_sha256)) {
    return failure("invalid_client", "client authentication failed", presented.basic);
  }
  return client;
}

}  // namespace authd
