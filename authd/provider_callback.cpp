// /callback: PayPal sends the person back with ?code&state (or ?error).
// The state must name a pending login AND the browser must hold that login's
// cookie: otherwise an attacker could make a victim's browser finish the
// attacker's login (login CSRF). Then the code is redeemed at PayPal and the
// identity read from PayPal's user info, over TLS.

#include <algorithm>

#include "common/log.hpp"
#include "authd/html_pages.hpp"
#include "authd/http_fields.hpp"
#include "authd/provider.hpp"

#include "common/crypto.hpp"

namespace authd {

void Provider::callback(const common::http::Request& req, common::http::Response& res) {
  const std::string upstream_state = req.get_param_value("state");
  if (upstream_state.empty() || upstream_state.size() > 128 ||
      req.get_param_value_count("state") != 1) {
    send_error_page(res, 400, "Invalid return from PayPal",
                    "This page expects a return from PayPal. Go back to the application and "
                    "start the login again.");
    return;
  }
  const std::int64_t now = clock_();
  const std::string cookie_name = login_cookie_name(upstream_state);
  auto cookie = read_cookie(req, cookie_name);
  auto login = logins_.take(upstream_state, now);
  // The cookie has served its purpose either way.
  res.set_header("Set-Cookie", login_cookie(cookie_name, "", 0));
  if (!login) {
    send_error_page(res, 400, "This login has expired",
                    "The login took too long, was already completed, or the service restarted "
                    "meanwhile. Go back to the application and start again.");
    return;
  }
  if (!cookie || !common::crypto::equal_constant_time(*cookie, login->browser_binding)) {
    common::log::warning("login return without its browser cookie",
                         {{"client_id", login->client_id}, {"ip", req.remote_addr}});
    send_error_page(res, 403, "Login could not be verified",
                    "This return from PayPal does not belong to a login started in this browser. "
                    "Go back to the application and start again.");
    return;
  }
  // The configuration may have changed while the person was at PayPal: the
  // client and its redirect URI must still be registered now.
  const auto settings = this->settings();
  const OidcClient* client = settings->config.client(login->client_id);
  if (client == nullptr || std::find(client->redirect_uris.begin(), client->redirect_uris.end(),
                                     login->redirect_uri) == client->redirect_uris.end()) {
    common::log::warning("login return for a client no longer registered",
                         {{"client_id", login->client_id}});
    send_error_page(res, 400, "Unknown application",
                    "The application that sent you here is no longer registered with this "
                    "service.");
    return;
  }
  if (req.has_param("error")) {
    // Typically access_denied: the person declined at PayPal.
    const std::string error = req.get_param_value("error");
    common::log::info("PayPal returned an error",
                      {{"client_id", login->client_id}, {"error", error.substr(0, 64)}});
    redirect_error(*settings, *login, "access_denied", "the login at PayPal was not completed",
                   res);
    return;
  }
  const std::string code = req.get_param_value("code");
  if (code.empty() || code.size() > 2048) {
    redirect_error(*settings, *login, "server_error", "PayPal returned no code", res);
    return;
  }
  auto access_token = settings->paypal.exchange_code(code);
  if (!access_token) {
    common::log::warning("PayPal code exchange failed", {{"client_id", login->client_id},
                                                         {"reason", access_token.error().message}});
    bool transient = access_token.error().kind == common::Error::Kind::environment;
    redirect_error(*settings, *login, transient ? "temporarily_unavailable" : "server_error",
                   transient ? "PayPal is unavailable, try again" : "PayPal refused the login",
                   res);
    return;
  }
  auto user = settings->paypal.userinfo(*access_token);
  if (!user) {
    common::log::warning("PayPal user info failed",
                         {{"client_id", login->client_id}, {"reason", user.error().message}});
    bool transient = user.error().kind == common::Error::Kind::environment;
    redirect_error(*settings, *login, transient ? "temporarily_unavailable" : "server_error",
                   transient ? "PayPal is unavailable, try again"
                             : "PayPal did not provide the account details",
                   res);
    return;
  }
  redirect_with_code(*settings, *login, *user, res);
}

void Provider::redirect_with_code(const ProviderSettings& settings, const PendingLogin& login,
                                  const PayPalUser& user, common::http::Response& res) {
  const std::int64_t now = clock_();
  const std::string code = random_token();
  IssuedCode issued{
      login.client_id, login.redirect_uri, login.nonce, login.code_challenge, user, now};
  codes_.put(token_key(code), std::move(issued), now + options_.code_ttl_seconds, now);
  std::vector<std::pair<std::string, std::string>> params = {{"code", code}};
  if (!login.state.empty()) params.emplace_back("state", login.state);
  params.emplace_back("iss", settings.config.issuer);
  set_no_store(res);
  res.set_redirect(with_query(login.redirect_uri, params), 302);
  common::log::info("login completed", {{"client_id", login.client_id}});
}

}  // namespace authd
