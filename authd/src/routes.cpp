#include "routes.hpp"

#include "html_pages.hpp"
#include "http_headers.hpp"

namespace authd {
namespace {

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

Handler limited(std::shared_ptr<RateLimiter> limiter, bool html, Handler inner) {
  return [limiter = std::move(limiter), html, inner = std::move(inner)](const httplib::Request& req,
                                                                        httplib::Response& res) {
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

const char* reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Error";
  }
}

}  // namespace

void install_routes(httplib::Server& server, std::shared_ptr<Provider> provider,
                    RouteOptions options) {
  auto people = std::make_shared<RateLimiter>(options.authorize_limit);
  auto backends = std::make_shared<RateLimiter>(options.token_limit);
  auto bind = [provider](void (Provider::*method)(const httplib::Request&, httplib::Response&)) {
    return [provider, method](const httplib::Request& req, httplib::Response& res) {
      ((*provider).*method)(req, res);
    };
  };
  server.set_default_headers(security_headers());
  server.Get("/.well-known/openid-configuration",
             [provider](const httplib::Request& req, httplib::Response& res) {
               provider->discovery(req, res);
             });
  server.Get("/jwks.json", [provider](const httplib::Request& req, httplib::Response& res) {
    provider->jwks(req, res);
  });
  server.Get("/authorize", limited(people, true, bind(&Provider::authorize)));
  server.Post("/authorize", limited(people, true, bind(&Provider::authorize)));
  server.Get("/callback", limited(people, true, bind(&Provider::callback)));
  server.Post("/token", limited(backends, false, bind(&Provider::token)));
  server.Get("/userinfo", limited(backends, false, bind(&Provider::userinfo)));
  server.Post("/userinfo", limited(backends, false, bind(&Provider::userinfo)));
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty() || res.status == 401)
          return httplib::Server::HandlerResponse::Unhandled;
        res.set_content(std::to_string(res.status) + " " + reason(res.status) + "\n",
                        "text/plain; charset=utf-8");
        return httplib::Server::HandlerResponse::Handled;
      }));
}

}  // namespace authd
