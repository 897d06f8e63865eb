#include "attestd/peer_links.hpp"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>

#include <boost/asio/post.hpp>

#include "common/ipc_contracts.hpp"
#include "common/log.hpp"

namespace attestd {
namespace {

namespace contract = common::contract;

std::vector<uid_t> allowed_callers() {
  std::vector<uid_t> uids = {getuid()};
  for (std::string_view name : contract::attestd::callers) {
    if (const passwd* entry = getpwnam(std::string(name).c_str())) uids.push_back(entry->pw_uid);
  }
  return uids;
}

}  // namespace

PeerLinks::PeerLinks(boost::asio::io_context& io,
                     std::shared_ptr<common::CertificateStore> certificates, BindingState& bindings,
                     RuntimeConfig& runtime)
    : io_(io), certificates_(std::move(certificates)), bindings_(bindings), runtime_(runtime) {}

PeerLinks::~PeerLinks() = default;

common::Status PeerLinks::start() {
  const std::string path = contract::socket_path(contract::attestd::socket);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  common::ipc::ServerOptions options;
  options.allowed_uids = allowed_callers();
  auto server = common::ipc::Server::listen(io_, path, options);
  if (!server) return std::unexpected(server.error());
  server_ = std::move(*server);
  server_->on(
      std::string(contract::attestd::config_get),
      [this](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
        auto config = runtime_.served_config();
        if (!config) {
          return common::fail(common::Error::Kind::environment, "configuration not measured yet");
        }
        return *config;
      });

  certificate_ = std::make_unique<common::ipc::Subscriber>(
      io_, contract::socket_path(contract::acmed::socket),
      std::string(contract::acmed::certificate_get),
      std::string(contract::acmed::certificate_updated), [this](const common::json& value) {
        if (!value.is_object() || !value.contains("chain_pem") || !value.contains("key_pem") ||
            !value["chain_pem"].is_string() || !value["key_pem"].is_string()) {
          common::log::warning("ignoring malformed certificate from acmed");
          return;
        }
        auto status = certificates_->update(value["chain_pem"].get<std::string>(),
                                            value["key_pem"].get<std::string>());
        if (!status) {
          common::log::warning("unable to use acmed's certificate",
                               {{"reason", status.error().message}});
          return;
        }
        common::log::info("TLS certificate updated",
                          {{"tls_spki_sha256", certificates_->spki_sha256_hex()}});
      });
  jwks_ = std::make_unique<common::ipc::Subscriber>(
      io_, contract::socket_path(contract::authd::socket), std::string(contract::authd::jwks_get),
      std::string(contract::authd::jwks_updated),
      [this](const common::json& value) { bindings_.update_jwks(value); });
  certificate_->start();
  jwks_->start();
  return {};
}

void PeerLinks::publish_config(const common::json& config) {
  boost::asio::post(io_, [this, config] {
    if (server_) server_->publish(contract::attestd::config_updated, config);
  });
}

void PeerLinks::stop() {
  if (certificate_) certificate_->stop();
  if (jwks_) jwks_->stop();
  if (server_) server_->close();
}

}  // namespace attestd
