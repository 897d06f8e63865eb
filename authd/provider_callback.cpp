// /callback: PayPal sends the person back with ?code&state (or ?error).
// The state must be the MAC of one of this browser's sealed login cookies:
// otherwise an attacker could make a victim's browser finish the attacker's
// login (login CSRF). Then the code is redeemed at PayPal and the identity
// read from PayPal's user info, over TLS.

#include "authd/html_pages.hpp"
#include "authd/http_fields.hpp"
#include "authd/provider.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"

namespace authd {
namespace {

using common::log::Event;

void send_expired_page(common::http::Response& res) {
  send_error_page(res, 400, "This login has expired",
                  "The login took too long, was already completed, or the service restarted "
                  "meanwhile. Go back to the application and start again.");
}

// "temporarily_unavailable" for PayPal 5xx or a timeout, else "server_error".
std::pair<const char*, const char*> upstream_failure(const common::Error& error,
                                                     const char* refused) {
  if (error.kind == common::Error::Kind::environment) {
    return {"temporarily_unavailable", "PayPal is unavailable, try again"};
  }
  return {"server_error", refused};
}

}  // namespace

std::optional<PendingLogin> Provider::take_login(const common::http::Request& req,
                                                 const std::string& upstream_state,
                                                 common::http::Response& res) const {
  bool any_cookie = false;
  for (std::size_t slot = 0; slot < kLoginCookieSlots; ++slot) {
    const std::string name = login_cookie_name(slot);
    auto cookie = read_cookie(req, name);
    if (!cookie) continue;
    any_cookie = true;
    if (!common::crypto::equal_constant_time(sealer_.state_for(*cookie), upstream_state)) continue;
    // The cookie has served its purpose whatever follows.
    res.headers.emplace("Set-Cookie", login_cookie(name, "", 0));
    auto login = sealer_.open(*cookie);
    if (!login || clock_() - login->started >= options_.login_ttl_seconds) {
      send_expired_page(res);
      return std::nullopt;
    }
    return login;
  }
  if (!any_cookie) {
    common::log::warning(Event{"login.unbound"}, "unable to finish login",
                         {{"reason", "no login cookie in this browser"}, {"ip", req.remote_addr}});
    send_error_page(res, 403, "Login could not be verified",
                    "This return from PayPal does not belong to a login started in this browser. "
                    "Go back to the application and start again.");
    return std::nullopt;
  }
  send_expired_page(res);
  return std::nullopt;
}

void Provider::callback(const common::http::Request& req, common::http::Response& res) {
  const std::string upstream_state = req.get_param_value("state");
  if (upstream_state.empty() || upstream_state.size() > 128 ||
      req.get_param_value_count("state") != 1) {
    send_error_page(res, 400, "Invalid return from PayPal",
                    "This page expects a return from PayPal. Go back to the application and "
                    "start the login again.");
    return;
  }
  auto login = take_login(req, upstream_state, res);
  if (!login) return;
  // The configuration may have changed while the person was at PayPal: the
  // client and its redirect URI must still be registered now.
  const auto settings = this->settings();
  const OidcClient* client = settings->config.client(login->client_id);
  if (client == nullptr || !client->allows_redirect_uri(login->redirect_uri)) {
    common::log::warning(
        Event{"login.unregistered"}, "unable to finish login",
        {{"reason", "client no longer registered"}, {"client_id", login->client_id}});
    send_error_page(res, 400, "Unknown application",
                    "The application that sent you here is no longer registered with this "
                    "service.");
    return;
  }
  if (req.has_param("error")) {
    // Typically access_denied: the person declined at PayPal.
    common::log::info(Event{"login.declined"}, "login declined at PayPal",
                      {{"client_id", login->client_id},
                       {"paypal_error", req.get_param_value("error").substr(0, 64)}});
    redirect_error(*settings, login->redirect_uri, login->state, "access_denied",
                   "the login at PayPal was not completed", res);
    return;
  }
  finish_login(*settings, *login, req.get_param_value("code"), res);
}

void Provider::finish_login(const ProviderSettings& settings, const PendingLogin& login,
                            const std::string& code, common::http::Response& res) {
  if (code.empty() || code.size() > 2048) {
    redirect_error(settings, login.redirect_uri, login.state, "server_error",
                   "PayPal returned no code", res);
    return;
  }
  auto access_token = settings.paypal.exchange_code(code);
  auto user = access_token ? settings.paypal.userinfo(*access_token)
                           : common::Result<PayPalUser>(std::unexpected(access_token.error()));
  if (!user) {
    const bool at_exchange = !access_token;
    common::log::warning(
        Event{at_exchange ? "paypal.code_refused" : "paypal.userinfo_failed"},
        at_exchange ? "unable to redeem code at PayPal" : "unable to read user info at PayPal",
        {{"client_id", login.client_id}, {"reason", user.error().message}});
    auto [error, description] =
        upstream_failure(user.error(), at_exchange ? "PayPal refused the login"
                                                   : "PayPal did not provide the account details");
    redirect_error(settings, login.redirect_uri, login.state, error, description, res);
    return;
  }
  redirect_with_code(settings, login, *user, res);
}

void Provider::redirect_with_code(const ProviderSettings& settings, const PendingLogin& login,
                                  const PayPalUser& user, common::http::Response& res) {
  const std::int64_t now = clock_();
  const std::string code = random_token();
  IssuedCode issued{login.client_id,
                    login.redirect_uri,
                    login.nonce,
                    login.code_challenge,
                    login.scope,
                    settings.config.paypal_environment,
                    user,
                    now};
  codes_.put(token_key(code),
             CodeRecord{std::move(issued), now + options_.code_ttl_seconds, {}, false, false},
             now + std::max(options_.code_ttl_seconds, options_.access_token_ttl_seconds), now);
  std::vector<std::pair<std::string, std::string>> params = {{"code", code}};
  if (!login.state.empty()) params.emplace_back("state", login.state);
  params.emplace_back("iss", settings.config.issuer);
  set_no_store(res);
  res.set_redirect(with_query(login.redirect_uri, params), 302);
  common::log::info(Event{"login.completed"}, "login completed", {{"client_id", login.client_id}});
}

}  // namespace authd
