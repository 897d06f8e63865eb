// /authorize: validate the relying party's request (OIDC Core 3.1.2.1),
// remember it, bind it to this browser with a cookie, send the person to PayPal.
// Until client_id and redirect_uri are known good, errors are pages: nothing
// ever redirects to an unregistered URI (RFC 6749 4.1.2.1).

#include <algorithm>

#include "common/log.hpp"
#include "authd/html_pages.hpp"
#include "authd/http_fields.hpp"
#include "authd/pkce.hpp"
#include "authd/provider.hpp"

namespace authd {
namespace {

constexpr std::size_t kMaxParamBytes = 1024;

bool has_scope(const std::string& scopes, std::string_view wanted) {
  std::size_t pos = 0;
  while (pos <= scopes.size()) {
    auto end = scopes.find(' ', pos);
    if (end == std::string::npos) end = scopes.size();
    if (std::string_view(scopes).substr(pos, end - pos) == wanted) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

std::string login_cookie_name(const std::string& upstream_state) {
  // One cookie per login, so that two tabs logging in at once do not clash.
  return "__Host-authd-" + upstream_state.substr(0, 16);
}

void Provider::authorize(const common::http::Request& req, common::http::Response& res) {
  for (const char* key : {"client_id", "redirect_uri"}) {
    if (req.get_param_value_count(key) != 1) {
      send_error_page(res, 400, "Invalid login request",
                      std::string("The application sent no single ") + key + ".");
      return;
    }
  }
  const std::string client_id = req.get_param_value("client_id");
  const std::string redirect_uri = req.get_param_value("redirect_uri");
  const auto settings = this->settings();
  const OidcClient* client = settings->config.client(client_id);
  if (client == nullptr) {
    send_error_page(res, 400, "Unknown application",
                    "The application that sent you here is not registered with this service.");
    return;
  }
  if (std::find(client->redirect_uris.begin(), client->redirect_uris.end(), redirect_uri) ==
      client->redirect_uris.end()) {
    send_error_page(res, 400, "Invalid return address",
                    "The application asked to return you to an address it has not registered.");
    return;
  }

  PendingLogin login;
  login.client_id = client_id;
  login.redirect_uri = redirect_uri;
  if (req.get_param_value_count("state") > 1) {
    redirect_error(*settings, login, "invalid_request", "state repeated", res);
    return;
  }
  login.state = req.get_param_value("state");
  for (const auto& [key, value] : req.params) {
    if (value.size() > kMaxParamBytes) {
      redirect_error(*settings, login, "invalid_request", key + " too long", res);
      return;
    }
  }
  for (const char* key : {"response_type", "scope", "nonce", "code_challenge",
                          "code_challenge_method", "prompt", "response_mode"}) {
    if (req.get_param_value_count(key) > 1) {
      redirect_error(*settings, login, "invalid_request", std::string(key) + " repeated", res);
      return;
    }
  }
  if (req.get_param_value("response_type") != "code") {
    redirect_error(*settings, login, "unsupported_response_type", "only response_type=code", res);
    return;
  }
  if (req.has_param("response_mode") && req.get_param_value("response_mode") != "query") {
    redirect_error(*settings, login, "invalid_request", "only response_mode=query", res);
    return;
  }
  if (!has_scope(req.get_param_value("scope"), "openid")) {
    redirect_error(*settings, login, "invalid_scope", "scope must include openid", res);
    return;
  }
  if (req.has_param("request") || req.has_param("request_uri")) {
    redirect_error(*settings, login, "request_not_supported", "request objects are not supported",
                   res);
    return;
  }
  if (has_scope(req.get_param_value("prompt"), "none")) {
    redirect_error(*settings, login, "login_required", "a PayPal login needs the person", res);
    return;
  }
  login.nonce = req.get_param_value("nonce");
  login.code_challenge = req.get_param_value("code_challenge");
  if (!login.code_challenge.empty() || req.has_param("code_challenge_method")) {
    if (req.get_param_value("code_challenge_method") != "S256") {
      redirect_error(*settings, login, "invalid_request", "code_challenge_method must be S256",
                     res);
      return;
    }
    if (!is_valid_code_challenge(login.code_challenge)) {
      redirect_error(*settings, login, "invalid_request", "malformed code_challenge", res);
      return;
    }
  }
  if (client->is_public && login.code_challenge.empty()) {
    redirect_error(*settings, login, "invalid_request", "public clients must use PKCE (S256)", res);
    return;
  }

  const std::int64_t now = clock_();
  const std::string upstream_state = random_token();
  login.browser_binding = random_token();
  login.started = now;
  res.set_header("Set-Cookie",
                 login_cookie(login_cookie_name(upstream_state), login.browser_binding,
                              static_cast<int>(options_.login_ttl_seconds)));
  logins_.put(upstream_state, std::move(login), now + options_.login_ttl_seconds, now);
  set_no_store(res);
  res.set_redirect(settings->paypal.authorize_url(upstream_state, settings->config.callback_url()),
                   302);
  common::log::info("login started", {{"client_id", client_id}, {"ip", req.remote_addr}});
}

}  // namespace authd
