// /authorize: the thin HTTP shell around parse_authorize_request
// (authorize_request.hpp): answer its error as a page or a redirect, or seal
// the pending login into a cookie slot of this browser and send the person to
// PayPal with a state that is a MAC over that cookie (login_seal.hpp).

#include <limits>

#include "authd/authorize_request.hpp"
#include "authd/html_pages.hpp"
#include "authd/http_fields.hpp"
#include "authd/provider.hpp"
#include "common/log.hpp"

namespace authd {
namespace {

// The cookie slot a new login takes: a free one, else the oldest login's
// (a login authd cannot open counts as the oldest).
std::size_t pick_slot(const LoginSealer& sealer, const common::http::Request& req) {
  std::size_t chosen = 0;
  std::int64_t oldest = std::numeric_limits<std::int64_t>::max();
  for (std::size_t slot = 0; slot < kLoginCookieSlots; ++slot) {
    auto cookie = read_cookie(req, login_cookie_name(slot));
    if (!cookie) return slot;
    auto login = sealer.open(*cookie);
    const std::int64_t started = login ? login->started : std::numeric_limits<std::int64_t>::min();
    if (started < oldest) {
      oldest = started;
      chosen = slot;
    }
  }
  return chosen;
}

}  // namespace

void Provider::authorize(const common::http::Request& req, common::http::Response& res) {
  const auto settings = this->settings();
  auto request = parse_authorize_request(req.params, settings->config);
  if (!request) {
    if (const auto* page = std::get_if<AuthorizePage>(&request.error())) {
      send_error_page(res, page->status, page->title, page->explanation);
      return;
    }
    const auto& redirect = std::get<AuthorizeRedirect>(request.error());
    redirect_error(*settings, redirect.redirect_uri, redirect.state, redirect.error,
                   redirect.description, res);
    return;
  }
  PendingLogin login{request->client_id,      request->redirect_uri, request->state, request->nonce,
                     request->code_challenge, request->scope,        clock_()};
  const std::string sealed = sealer_.seal(login);
  if (sealed.size() > kMaxSealedLoginBytes) {
    redirect_error(*settings, login.redirect_uri, login.state, "invalid_request",
                   "state and nonce are too long together", res);
    return;
  }
  const std::size_t slot = pick_slot(sealer_, req);
  res.set_header("Set-Cookie", login_cookie(login_cookie_name(slot), sealed,
                                            static_cast<int>(options_.login_ttl_seconds)));
  set_no_store(res);
  res.set_redirect(
      settings->paypal.authorize_url(sealer_.state_for(sealed), settings->config.callback_url()),
      302);
  common::log::info(common::log::Event{"login.started"}, "login started",
                    {{"client_id", login.client_id}, {"ip", req.remote_addr}, {"slot", slot}});
}

}  // namespace authd
