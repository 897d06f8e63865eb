#pragma once
// authd's OIDC provider in-process, as tests/authd/test_provider.cpp builds
// it, for the targets that fuzz what a browser or a relying party sends:
// clients "web" (confidential, secret "web-secret") and "spa" (public).
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "authd/config.hpp"
#include "authd/key_ring.hpp"
#include "authd/login_seal.hpp"
#include "authd/provider.hpp"
#include "common/crypto.hpp"
#include "common/json.hpp"

// The query parser of authd's HTTP server: cpp-httplib's, or since the
// server rewrite common/http_message's (docs/fuzzing.md).
#if __has_include("common/http_message.hpp")
#include "common/http_message.hpp"
#define APPLIANCE_FUZZ_COMMON_HTTP 1
#else
#include <httplib.h>
#endif

namespace fuzz {

// The request and response types the provider's handlers take, whichever
// server library authd is built on.
template <class>
struct HandlerTypes;
template <class Class, class Req, class Res>
struct HandlerTypes<void (Class::*)(Req, Res)> {
  using Request = std::remove_cvref_t<Req>;
  using Response = std::remove_cvref_t<Res>;
};
using AuthdRequest = HandlerTypes<decltype(&authd::Provider::authorize)>::Request;
using AuthdResponse = HandlerTypes<decltype(&authd::Provider::authorize)>::Response;

// Adds the parameters of a query string (or form body) as the server would.
inline void add_query(AuthdRequest& req, std::string_view query) {
#ifdef APPLIANCE_FUZZ_COMMON_HTTP
  for (auto& [key, value] : common::http::parse_query(query)) req.params.emplace(key, value);
#else
  httplib::detail::parse_query_text(std::string(query), req.params);
#endif
}

// A request as authd's server hands it to a handler, from a client address.
inline AuthdRequest authd_request(std::string method, std::string path) {
  AuthdRequest req;
  req.method = std::move(method);
  req.path = std::move(path);
  req.remote_addr = "192.0.2.1";
  return req;
}

inline constexpr std::int64_t kAuthdNow = 1767225600;  // fixed: runs must be reproducible

inline authd::Config authd_config() {
  const common::json clients = common::json::array(
      {{{"client_id", "web"},
        {"redirect_uris", {"https://rp.example/cb"}},
        {"client_secret_sha256", common::crypto::hex(common::crypto::sha256("web-secret"))}},
       {{"client_id", "spa"}, {"redirect_uris", {"http://localhost:3000/cb"}}, {"public", true}}});
  const std::map<std::string, std::string> values = {{"domain", "login.example.com"},
                                                     {"paypal_client_id", "paypal-client"},
                                                     {"paypal_environment", "sandbox"},
                                                     {"oidc_clients", clients.dump()}};
  auto config = authd::parse_config(values, "paypal-secret");
  if (!config) std::abort();
  return *config;
}

// A sealer with keys of its own, as a provider has.
inline const authd::LoginSealer& authd_sealer() {
  static const authd::LoginSealer sealer;
  return sealer;
}

// A fresh provider (its stores empty) over one key ring: a run's logins and
// codes must not leak into the next run.
inline std::shared_ptr<authd::Provider> authd_provider() {
  static const std::shared_ptr<authd::KeyRing> keys = [] {
    auto created = authd::KeyRing::create({}, kAuthdNow);
    if (!created) std::abort();
    return std::shared_ptr<authd::KeyRing>(std::move(*created));
  }();
  static const authd::Config config = authd_config();
  authd::ProviderOptions options;
  options.upstream_timeout = std::chrono::milliseconds(1);  // PayPal is never reached
  return std::make_shared<authd::Provider>(config, keys, options, [] { return kAuthdNow; });
}

}  // namespace fuzz
