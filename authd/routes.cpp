#include "authd/routes.hpp"

#include "authd/html_pages.hpp"
#include "authd/http_fields.hpp"

namespace authd {
namespace {

using common::http::Dispatch;
using common::http::Handler;

Handler limited(std::shared_ptr<RateLimiter> limiter, bool html, Handler inner) {
  return [limiter = std::move(limiter), html, inner = std::move(inner)](
             const common::http::Request& req, common::http::Response& res) {
    if (!limiter->allow(req.remote_addr, monotonic_seconds())) {
      res.set_header("Retry-After", "1");
      if (html) {
        send_error_page(res, 429, "Too many requests", "Wait a moment and try again.");
      } else {
        res.status = 429;
        res.set_content(R"({"error":"slow_down","error_description":"too many requests"})",
                        "application/json");
      }
      return;
    }
    inner(req, res);
  };
}

}  // namespace

void install_routes(common::http::Router& router, std::shared_ptr<Provider> provider,
                    RouteOptions options) {
  auto people = std::make_shared<RateLimiter>(options.authorize_limit);
  auto backends = std::make_shared<RateLimiter>(options.token_limit);
  auto bind =
      [provider](void (Provider::*method)(const common::http::Request&, common::http::Response&)) {
        return [provider, method](const common::http::Request& req, common::http::Response& res) {
          ((*provider).*method)(req, res);
        };
      };
  router.set_default_headers(security_headers());
  // Constant documents: answered on the I/O threads.
  router.get(
      "/.well-known/openid-configuration",
      [provider](const auto& req, auto& res) { provider->discovery(req, res); },
      Dispatch::io_thread);
  router.get(
      "/jwks.json", [provider](const auto& req, auto& res) { provider->jwks(req, res); },
      Dispatch::io_thread);
  // The login flow may wait on PayPal: worker threads.
  router.get("/authorize", limited(people, true, bind(&Provider::authorize)));
  router.post("/authorize", limited(people, true, bind(&Provider::authorize)));
  router.get("/callback", limited(people, true, bind(&Provider::callback)));
  router.post("/token", limited(backends, false, bind(&Provider::token)));
  router.get("/userinfo", limited(backends, false, bind(&Provider::userinfo)));
  router.post("/userinfo", limited(backends, false, bind(&Provider::userinfo)));
}

}  // namespace authd
