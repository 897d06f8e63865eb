#include "authd/paypal_client.hpp"

#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/json.hpp"

namespace authd {
namespace {

using common::Error;
using common::fail;

// PayPal has sent booleans both as JSON booleans and as "true"/"false".
bool truthy(const common::json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  return it->is_string() && it->get_ref<const std::string&>() == "true";
}

// PayPal's error bodies: {"error": "...", "error_description": "..."} for
// OAuth endpoints, {"name": "...", "message": "..."} for REST APIs.
std::string upstream_error(const std::string& body) {
  auto parsed = common::parse_json(body);
  if (!parsed || !parsed->is_object()) return "no error detail";
  for (auto key : {"error", "name"}) {
    auto value = common::string_field(*parsed, key);
    if (value) return value->substr(0, 80);
  }
  return "no error detail";
}

common::Error classify_status(long status, const std::string& body, std::string_view what) {
  std::string message = "unable to " + std::string(what) + ": PayPal answered HTTP " +
                        std::to_string(status) + " (" + upstream_error(body) + ")";
  if (status >= 500 || status == 429) return Error{Error::Kind::environment, message};
  if (status == 401 || status == 403) return Error{Error::Kind::permission, message};
  return Error{Error::Kind::invalid_input, message};
}

}  // namespace

PayPalClient::PayPalClient(PayPalClientOptions options)
    : options_(std::move(options)),
      basic_authorization_(
          "Basic " + common::crypto::base64(options_.client_id + ":" + options_.client_secret)) {}

std::string PayPalClient::authorize_url(const std::string& state,
                                        const std::string& redirect_uri) const {
  const auto& base = options_.endpoints.authorize_url;
  std::string url = base + (base.find('?') == std::string::npos ? "?" : "&");
  url += common::form_encode({{"flowEntry", "static"},
                              {"client_id", options_.client_id},
                              {"response_type", "code"},
                              {"scope", std::string(kPayPalScopes)},
                              {"redirect_uri", redirect_uri},
                              {"state", state}});
  return url;
}

common::Result<std::string> PayPalClient::exchange_code(const std::string& code) const {
  common::HttpRequest request;
  request.method = "POST";
  request.url = options_.endpoints.api_base + "/v1/oauth2/token";
  request.headers = {{"Authorization", basic_authorization_},
                     {"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = common::form_encode({{"grant_type", "authorization_code"}, {"code", code}});
  request.ca_pem = options_.ca_pem;
  request.timeout = options_.timeout;
  request.max_response_bytes = 64U << 10;
  auto response = common::http_request(request);
  if (!response) return std::unexpected(common::wrap(response.error(), "unable to redeem code"));
  if (response->status != 200) {
    return std::unexpected(classify_status(response->status, response->body, "redeem code"));
  }
  auto body = common::parse_json(response->body);
  if (!body) return fail(Error::Kind::invalid_input, "unable to redeem code: malformed JSON");
  auto token = common::string_field(*body, "access_token");
  if (!token || token->empty()) {
    return fail(Error::Kind::invalid_input, "unable to redeem code: no access_token");
  }
  return *token;
}

common::Result<PayPalUser> PayPalClient::userinfo(const std::string& access_token) const {
  common::HttpRequest request;
  request.url = options_.endpoints.api_base + "/v1/identity/oauth2/userinfo?schema=paypalv1.1";
  request.headers = {{"Authorization", "Bearer " + access_token}, {"Accept", "application/json"}};
  request.ca_pem = options_.ca_pem;
  request.timeout = options_.timeout;
  request.max_response_bytes = 64U << 10;
  auto response = common::http_request(request);
  if (!response) return std::unexpected(common::wrap(response.error(), "unable to get user info"));
  if (response->status != 200) {
    return std::unexpected(classify_status(response->status, response->body, "get user info"));
  }
  return parse_paypal_userinfo(response->body);
}

common::Result<PayPalUser> parse_paypal_userinfo(const std::string& body) {
  auto parsed = common::parse_json(body);
  if (!parsed || !parsed->is_object()) {
    return fail(Error::Kind::invalid_input, "unable to get user info: malformed JSON");
  }
  PayPalUser user;
  auto payer_id = common::string_field(*parsed, "payer_id");
  if (!payer_id || payer_id->empty() || payer_id->size() > 128) {
    return fail(Error::Kind::invalid_input,
                "unable to get user info: no payer_id (is the paypalattributes scope enabled "
                "for the PayPal app?)");
  }
  user.payer_id = *payer_id;
  user.verified_account = truthy(*parsed, "verified_account");
  if (auto name = common::string_field(*parsed, "name")) user.name = *name;
  auto emails = parsed->find("emails");
  if (emails != parsed->end() && emails->is_array()) {
    const common::json* chosen = nullptr;
    for (const auto& email : *emails) {
      if (!email.is_object() || !common::string_field(email, "value")) continue;
      if (chosen == nullptr || truthy(email, "primary")) chosen = &email;
      if (truthy(email, "primary")) break;
    }
    if (chosen != nullptr) {
      user.email = *common::string_field(*chosen, "value");
      user.email_verified = truthy(*chosen, "confirmed");
    }
  }
  return user;
}

}  // namespace authd
