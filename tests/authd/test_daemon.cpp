// The authd binary over real HTTPS, configured from the GCP metadata
// look-alike (secret through the Secret Manager look-alike), certificate from
// a stand-in for acmed over the real IPC contract, PayPal look-alike upstream.
// The id_token is verified with OpenSSL and with PyJWT.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "browser.hpp"
#include "common/crypto.hpp"
#include "common/ipc_client.hpp"
#include "common/ipc_contracts.hpp"
#include "common/ipc_server.hpp"
#include "common/x509.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/paypal_sandbox.hpp"
#include "fixtures/process.hpp"
#include "fixtures/secret_manager.hpp"
#include "flow.hpp"
#include "jwt_check.hpp"

namespace {

using namespace authd_test;
using namespace std::chrono_literals;

constexpr const char* kSecretRef = "projects/appliance-test/secrets/paypal/versions/1";

struct Identity {
  std::string chain_pem;
  std::string key_pem;
};

Identity make_identity() {
  auto key = common::crypto::generate_p256().value();
  return {common::x509::self_signed_pem(key.get(), {"localhost"}, 24h).value(),
          common::crypto::private_key_pem(key.get()).value()};
}

std::string spki_of(const std::string& pem) {
  auto info = common::x509::describe_leaf_pem(pem);
  return info ? common::crypto::hex(info->spki_sha256) : "";
}

// Plays the IPC peers authd talks to: acmed (certificate) and attestd (config).
class PeerStandIns {
 public:
  explicit PeerStandIns(Identity identity) : identity_(std::move(identity)) {
    common::ipc::ServerOptions options;
    options.allowed_uids = {getuid()};
    acmed_ = common::ipc::Server::listen(
                 io_, common::contract::socket_path(common::contract::acmed::socket), options)
                 .value();
    acmed_->on(
        std::string(common::contract::acmed::certificate_get),
        [this](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
          std::lock_guard lock(mutex_);
          return certificate_message();
        });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~PeerStandIns() {
    boost::asio::post(io_, [this] {
      acmed_->close();
      if (attestd_) attestd_->close();
      work_.reset();
    });
    thread_.join();
  }
  void serve_attestd_config(common::json config) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      common::ipc::ServerOptions options;
      options.allowed_uids = {getuid()};
      attestd_ = common::ipc::Server::listen(
                     io_, common::contract::socket_path(common::contract::attestd::socket), options)
                     .value();
      attestd_->on(
          std::string(common::contract::attestd::config_get),
          [config](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
            return common::json{{"config", config}};
          });
      done.set_value();
    });
    done.get_future().wait();
  }
  void renew(Identity identity) {
    boost::asio::post(io_, [this, identity = std::move(identity)] {
      std::lock_guard lock(mutex_);
      identity_ = identity;
      acmed_->publish(common::contract::acmed::certificate_updated, certificate_message());
    });
  }

 private:
  common::json certificate_message() const {
    return {{"chain_pem", identity_.chain_pem},
            {"key_pem", identity_.key_pem},
            {"not_after", 0},
            {"self_signed", true},
            {"spki_sha256", spki_of(identity_.chain_pem)}};
  }
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::mutex mutex_;
  Identity identity_;
  std::unique_ptr<common::ipc::Server> acmed_;
  std::unique_ptr<common::ipc::Server> attestd_;
  std::thread thread_;
};

class AuthdDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("APPLIANCE_RUN_DIR", run_dir_.path().c_str(), 1);
    std::filesystem::create_directories(run_dir_.path() / "acmed");
    std::filesystem::create_directories(run_dir_.path() / "attestd");
    std::filesystem::create_directories(run_dir_.path() / "authd");
    port_ = fixtures::free_tcp_port();
    issuer_ = "https://localhost:" + std::to_string(port_);
    paypal_.set_return_url(issuer_ + "/callback");
    secrets_.add_secret_version(kSecretRef, paypal_.options().client_secret);
    const common::json config = measured_config();
    for (auto it = config.begin(); it != config.end(); ++it) {
      metadata_.set_instance_attribute(it.key(), it->get<std::string>());
    }
    metadata_.set_instance_attribute("paypal_client_secret_ref", kSecretRef);
    identity_ = make_identity();
    peers_ = std::make_unique<PeerStandIns>(identity_);
    ca_ = identity_.chain_pem + paypal_.ca_pem();
  }

  common::json measured_config() const {
    return {{"domain", "localhost:" + std::to_string(port_)},
            {"paypal_client_id", paypal_.options().client_id},
            {"paypal_environment", "sandbox"},
            {"paypal_authorize_url", paypal_.authorize_url()},
            {"paypal_api_base", paypal_.base_url()},
            {"oidc_clients", oidc_clients_json()},
            {"extra_ca_pem", paypal_.ca_pem() + secrets_.ca_pem()}};
  }

  fixtures::Process start_authd(const std::string& source = "metadata",
                                std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {fixtures::project_binary("authd").string(),
                                     "--port=" + std::to_string(port_),
                                     "--host=127.0.0.1",
                                     "--config-source=" + source,
                                     "--secret-manager-url=" + secrets_.base_url(),
                                     "--paypal-timeout-ms=2000",
                                     "--worker-threads=8"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return fixtures::Process({argv,
                              {{"GCE_METADATA_HOST", metadata_.address()},
                               {"APPLIANCE_RUN_DIR", run_dir_.path().string()}},
                              run_dir_.path() / "authd.log",
                              {}});
  }

  // Up, and serving acmed's certificate rather than its bootstrap one.
  bool serving(const std::string& chain_pem, fixtures::Process& authd) {
    return fixtures::wait_until(
        [&] {
          common::HttpRequest probe;
          probe.url = issuer_ + "/.well-known/openid-configuration";
          probe.verify_tls = false;  // we are checking which certificate it serves
          probe.capture_peer_certificate = true;
          probe.timeout = 2s;
          auto response = common::http_request(probe);
          return authd.running() && response &&
                 spki_of(response->peer_certificate_pem) == spki_of(chain_pem);
        },
        15s);
  }

  std::string log() const {
    std::ifstream in(run_dir_.path() / "authd.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fixtures::TempDir run_dir_;
  fixtures::PayPalSandbox paypal_;
  fixtures::MetadataServer metadata_;
  fixtures::SecretManagerSim secrets_{metadata_.access_token()};
  Identity identity_;
  std::unique_ptr<PeerStandIns> peers_;
  int port_ = 0;
  std::string issuer_;
  std::string ca_;
};

TEST_F(AuthdDaemonTest, LoginEndToEndVerifiedWithOpenSslAndPyJwt) {
  auto authd = start_authd();
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  Browser browser(ca_);
  auto pkce = make_pkce();
  auto params = authorize_params(kWebApp);
  params.code_challenge = pkce.challenge;
  auto outcome = browser.navigate(authorize_url(issuer_, params), kWebApp.redirect_uri);
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_TRUE(outcome->reached_stop) << outcome->last.status << outcome->last.body << log();
  auto rp = query_of(outcome->final_url);
  ASSERT_EQ(rp["state"], params.state);
  auto token = post_token(issuer_, ca_, code_form(rp["code"], kWebApp.redirect_uri, pkce.verifier),
                          std::make_pair(kWebApp.client_id, kWebApp.secret));
  ASSERT_TRUE(token);
  ASSERT_EQ(token->status, 200) << token->body;
  auto body = common::json::parse(token->body);
  const std::string id_token = body["id_token"];

  auto discovery = get_json(issuer_ + "/.well-known/openid-configuration", ca_);
  ASSERT_TRUE(discovery);
  auto jwks = get_json((*discovery)["jwks_uri"], ca_);
  ASSERT_TRUE(jwks);
  auto verified = verify_es256_jwt(id_token, *jwks);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->claims["iss"], issuer_);
  EXPECT_EQ(verified->claims["aud"], kWebApp.client_id);
  EXPECT_EQ(verified->claims["nonce"], params.nonce);
  EXPECT_EQ(verified->claims["sub"], paypal_.options().payer_id);

  // The same token through a standard library (PyJWT), if Debian's is here.
  auto python = std::filesystem::path("/usr/bin/python3");
  auto has_pyjwt = fixtures::run_command({python.string(), "-c", "import jwt, cryptography"});
  if (has_pyjwt.exit_code != 0) {
    GTEST_SKIP() << "python3-jwt not installed; OpenSSL verification passed";
  }
  std::ofstream(run_dir_.path() / "jwks.json") << jwks->dump();
  std::ofstream(run_dir_.path() / "id_token") << id_token;
  auto script = std::filesystem::path(AUTHD_TEST_DIR) / "verify_id_token.py";
  auto pyjwt = fixtures::run_command(
      {python.string(), script.string(), (run_dir_.path() / "jwks.json").string(),
       (run_dir_.path() / "id_token").string(), issuer_, kWebApp.client_id, params.nonce});
  EXPECT_EQ(pyjwt.exit_code, 0) << pyjwt.output;
  EXPECT_NE(pyjwt.output.find(paypal_.options().payer_id), std::string::npos) << pyjwt.output;
  // A token for another audience is refused by the library too.
  auto wrong_aud = fixtures::run_command(
      {python.string(), script.string(), (run_dir_.path() / "jwks.json").string(),
       (run_dir_.path() / "id_token").string(), issuer_, kOtherApp.client_id, params.nonce});
  EXPECT_NE(wrong_aud.exit_code, 0) << wrong_aud.output;
  EXPECT_EQ(log().find(paypal_.options().client_secret), std::string::npos)
      << "the PayPal secret never reaches the log";
}

TEST_F(AuthdDaemonTest, PublishesItsJwksToAttestdAndSwapsCertificatesHot) {
  auto authd = start_authd();
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  auto client =
      common::ipc::Client::connect(common::contract::socket_path(common::contract::authd::socket));
  ASSERT_TRUE(client) << client.error().message;
  auto reply = client->call(common::contract::authd::jwks_get);
  ASSERT_TRUE(reply) << reply.error().message;
  common::HttpRequest request;
  request.url = issuer_ + "/jwks.json";
  request.ca_pem = ca_;
  request.only_ca_pem = true;
  auto served = common::http_request(request);
  ASSERT_TRUE(served);
  EXPECT_EQ((*reply)["sha256"], common::crypto::hex(common::crypto::sha256(served->body)));
  EXPECT_EQ((*reply)["jwks"], common::json::parse(served->body));

  auto renewed = make_identity();
  peers_->renew(renewed);
  EXPECT_TRUE(serving(renewed.chain_pem, authd)) << log();
  EXPECT_TRUE(authd.running());
}

TEST_F(AuthdDaemonTest, ConfigurationFromAttestd) {
  peers_->serve_attestd_config(measured_config());
  // attestd's values win: the metadata server's domain is wrong on purpose.
  metadata_.set_instance_attribute("domain", "wrong.example");
  auto authd = start_authd("attestd");
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  auto discovery = get_json(issuer_ + "/.well-known/openid-configuration", ca_);
  ASSERT_TRUE(discovery);
  EXPECT_EQ((*discovery)["issuer"], issuer_);
}

TEST_F(AuthdDaemonTest, BadConfigurationExitsWithAPermanentError) {
  metadata_.set_instance_attribute("oidc_clients", "[{\"client_id\": \"x\"}]");
  auto authd = start_authd();
  auto status = authd.wait_exit(15s);
  ASSERT_TRUE(status) << log();
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 100) << log();
  EXPECT_NE(log().find("oidc_clients"), std::string::npos);
}

TEST_F(AuthdDaemonTest, RateLimitsAndSizeLimitsHold) {
  auto authd = start_authd("metadata", {"--rate-limit-burst=3", "--rate-limit-per-second=1"});
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  Browser browser(ca_);
  int limited = 0;
  for (int i = 0; i < 8; ++i) {
    auto response = browser.get(authorize_url(issuer_, authorize_params(kWebApp)));
    ASSERT_TRUE(response);
    if (response->status == 429) ++limited;
  }
  EXPECT_GE(limited, 3);
  auto big = post_token(issuer_, ca_, {{"code", std::string(200 * 1024, 'a')}},
                        std::make_pair(kWebApp.client_id, kWebApp.secret));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  // Discovery is not rate limited: it is what load balancers and libraries poll.
  for (int i = 0; i < 20; ++i) {
    auto doc = get_json(issuer_ + "/.well-known/openid-configuration", ca_);
    ASSERT_TRUE(doc);
  }
}

}  // namespace
