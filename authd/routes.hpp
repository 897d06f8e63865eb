#pragma once
// Binds the provider's endpoints to the HTTPS server, with the per-client-IP
// rate limits, the security headers on every response and plain error bodies
// for what the server itself refuses (404, 413 too large, 414 URI too long).

#include <memory>

#include "common/http_server.hpp"

#include "authd/provider.hpp"
#include "authd/rate_limiter.hpp"

namespace authd {

struct RouteOptions {
  RateLimit authorize_limit;  // /authorize and /callback: a person's pace
  RateLimit token_limit;      // /token: a relying party's back end
};

void install_routes(common::http::Router& router, std::shared_ptr<Provider> provider,
                    RouteOptions options);

}  // namespace authd
