#pragma once
// The provider in-process behind the production HTTPS front
// (common/http_server.hpp), with a fake clock, a scripted browser and the
// PayPal look-alike upstream. Shared by the in-process provider tests.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "authd/config.hpp"
#include "authd/key_ring.hpp"
#include "authd/provider.hpp"
#include "authd/routes.hpp"
#include "browser.hpp"
#include "common/crypto.hpp"
#include "common/http_server.hpp"
#include "common/listen_fds.hpp"
#include "common/x509.hpp"
#include "fixtures/paypal_sandbox.hpp"
#include "flow.hpp"

namespace authd_test {

class ProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The provider behind the production front (common/http_server.hpp),
    // with a self-signed certificate for localhost.
    auto tls_key = common::crypto::generate_p256();
    const std::string tls_cert =
        *common::x509::self_signed_pem(tls_key->get(), {"localhost"}, std::chrono::hours(1));
    certificates_ = std::make_shared<common::CertificateStore>();
    ASSERT_TRUE(certificates_->update(tls_cert, *common::crypto::private_key_pem(tls_key->get())));
    auto listener = common::bind_tcp_listener("127.0.0.1", 0);
    ASSERT_TRUE(listener);
    port_ = *common::local_port(*listener);
    issuer_ = "https://localhost:" + std::to_string(port_);
    paypal_ = std::make_unique<fixtures::PayPalSandbox>();
    paypal_->set_return_url(issuer_ + "/callback");
    std::map<std::string, std::string> values = {{"domain", "localhost:" + std::to_string(port_)},
                                                 {"paypal_client_id", paypal_->options().client_id},
                                                 {"paypal_environment", "sandbox"},
                                                 {"paypal_authorize_url", paypal_->authorize_url()},
                                                 {"paypal_api_base", paypal_->base_url()},
                                                 {"oidc_clients", oidc_clients_json()},
                                                 {"extra_ca_pem", paypal_->ca_pem()}};
    auto config = authd::parse_config(values, paypal_->options().client_secret);
    ASSERT_TRUE(config) << config.error().message;
    auto keys = authd::KeyRing::create({}, now_);
    ASSERT_TRUE(keys);
    keys_ = std::move(*keys);
    authd::ProviderOptions options;
    options.upstream_timeout = std::chrono::milliseconds(1500);
    provider_ =
        std::make_shared<authd::Provider>(*config, keys_, options, [this] { return now_.load(); });
    authd::RouteOptions routes{{1000, 1000, 100}, {1000, 1000, 100}};
    common::http::Router router;
    authd::install_routes(router, provider_, routes);
    server_ = std::make_unique<common::http::Server>(std::move(router), certificates_);
    ASSERT_TRUE(server_->adopt(*listener));
    serving_ = std::thread([this] { server_->run(); });
    ca_ = tls_cert + paypal_->ca_pem();
  }

  void TearDown() override {
    if (!server_) return;
    server_->stop();
    if (serving_.joinable()) serving_.join();
  }

  // RP -> authd -> PayPal -> authd -> RP: the RP's redirect_uri with its params.
  std::map<std::string, std::string> login(Browser& browser, const AuthorizeParams& params) {
    auto outcome = browser.navigate(authorize_url(issuer_, params), params.redirect_uri);
    EXPECT_TRUE(outcome) << (outcome ? "" : outcome.error().message);
    if (!outcome) return {};
    EXPECT_TRUE(outcome->reached_stop) << outcome->last.status << " " << outcome->last.body;
    return query_of(outcome->final_url);
  }

  std::string code_for(const RelyingParty& rp, const std::string& challenge = "") {
    Browser browser(ca_);
    auto params = authorize_params(rp);
    params.code_challenge = challenge;
    auto result = login(browser, params);
    EXPECT_TRUE(result.contains("code"));
    return result["code"];
  }

  common::json token_json(const common::Result<common::HttpResponse>& response) {
    EXPECT_TRUE(response);
    if (!response) return {};
    auto body = common::parse_json(response->body);
    EXPECT_TRUE(body) << response->body;
    return body ? *body : common::json{};
  }

  std::pair<std::string, std::string> basic(const RelyingParty& rp) {
    return {rp.client_id, rp.secret};
  }

  std::atomic<std::int64_t> now_{authd::system_clock_seconds()};
  std::shared_ptr<common::CertificateStore> certificates_;
  std::unique_ptr<common::http::Server> server_;
  std::thread serving_;
  int port_ = 0;
  std::unique_ptr<fixtures::PayPalSandbox> paypal_;
  std::shared_ptr<authd::KeyRing> keys_;
  std::shared_ptr<authd::Provider> provider_;
  std::string issuer_;
  std::string ca_;
};

}  // namespace authd_test
