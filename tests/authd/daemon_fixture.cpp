#include "daemon_fixture.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>

#include <boost/asio/post.hpp>

#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/ipc_contracts.hpp"
#include "common/x509.hpp"
#include "flow.hpp"

namespace authd_test {

using namespace std::chrono_literals;

Identity make_identity() {
  auto key = common::crypto::generate_p256().value();
  return {common::x509::self_signed_pem(key.get(), {"localhost"}, 24h).value(),
          common::crypto::private_key_pem(key.get()).value()};
}

std::string spki_of(const std::string& pem) {
  auto info = common::x509::describe_leaf_pem(pem);
  return info ? common::crypto::hex(info->spki_sha256) : "";
}

PeerStandIns::PeerStandIns(Identity identity) : identity_(std::move(identity)) {
  common::ipc::ServerOptions options;
  options.allowed_uids = {getuid()};
  acmed_ = common::ipc::Server::listen(
               io_, common::contract::socket_path(common::contract::acmed::socket), options)
               .value();
  acmed_->on(std::string(common::contract::acmed::certificate_get),
             [this](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
               std::lock_guard lock(mutex_);
               return certificate_message();
             });
  thread_ = std::thread([this] { io_.run(); });
}

PeerStandIns::~PeerStandIns() {
  boost::asio::post(io_, [this] {
    acmed_->close();
    if (attestd_) attestd_->close();
    work_.reset();
  });
  thread_.join();
}

void PeerStandIns::serve_attestd_config(common::json config) {
  std::promise<void> done;
  boost::asio::post(io_, [&] {
    attestd_config_ = std::move(config);
    common::ipc::ServerOptions options;
    options.allowed_uids = {getuid()};
    attestd_ = common::ipc::Server::listen(
                   io_, common::contract::socket_path(common::contract::attestd::socket), options)
                   .value();
    // Runs on io_'s thread, as publish_attestd_config's update does.
    attestd_->on(
        std::string(common::contract::attestd::config_get),
        [this](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
          return common::json{{"config", attestd_config_}};
        });
    done.set_value();
  });
  done.get_future().wait();
}

void PeerStandIns::publish_attestd_config(common::json config) {
  std::promise<void> done;
  boost::asio::post(io_, [&] {
    attestd_config_ = std::move(config);
    attestd_->publish(common::contract::attestd::config_updated,
                      common::json{{"config", attestd_config_}});
    done.set_value();
  });
  done.get_future().wait();
}

void PeerStandIns::renew(Identity identity) {
  boost::asio::post(io_, [this, identity = std::move(identity)] {
    std::lock_guard lock(mutex_);
    identity_ = identity;
    acmed_->publish(common::contract::acmed::certificate_updated, certificate_message());
  });
}

common::json PeerStandIns::certificate_message() const {
  // The contract's own payload: authd checks not_after and spki_sha256
  // against the leaf it installs.
  auto leaf = common::x509::describe_leaf_pem(identity_.chain_pem);
  return common::contract::Certificate{identity_.chain_pem, identity_.key_pem,
                                       leaf ? leaf->not_after.time_since_epoch().count() : 0,
                                       identity_.self_signed, spki_of(identity_.chain_pem)}
      .to_json();
}

void AuthdDaemonTest::SetUp() {
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

common::json AuthdDaemonTest::measured_config() const {
  return {{"domain", "localhost:" + std::to_string(port_)},
          {"paypal_client_id", paypal_.options().client_id},
          {"paypal_environment", "sandbox"},
          {"paypal_authorize_url", paypal_.authorize_url()},
          {"paypal_api_base", paypal_.base_url()},
          {"oidc_clients", oidc_clients_json()},
          {"extra_ca_pem", paypal_.ca_pem() + secrets_.ca_pem()}};
}

fixtures::Process AuthdDaemonTest::start_authd(const std::string& source,
                                               std::vector<std::string> extra) {
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

bool AuthdDaemonTest::serving(const std::string& chain_pem, fixtures::Process& authd) {
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

std::string AuthdDaemonTest::log() const {
  std::ifstream in(run_dir_.path() / "authd.log");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<common::json> AuthdDaemonTest::events(std::string_view event) const {
  std::vector<common::json> found;
  std::istringstream lines(log());
  for (std::string line; std::getline(lines, line);) {
    auto parsed = common::parse_json(line);
    if (parsed && parsed->is_object() && parsed->value("event", "") == event) {
      found.push_back(std::move(*parsed));
    }
  }
  return found;
}

}  // namespace authd_test
