#include "acmed/certificate_handoff.hpp"

#include <boost/asio/post.hpp>

#include "common/crypto.hpp"
#include "common/ipc_contracts.hpp"
#include "common/log.hpp"
#include "common/x509.hpp"

namespace acmed {

namespace contract = common::contract;

common::Result<common::json> describe_for_ipc(const ServedCertificate& certificate) {
  auto leaf = common::x509::describe_leaf_pem(certificate.chain_pem);
  if (!leaf)
    return std::unexpected(common::wrap(leaf.error(), "unable to describe the certificate"));
  return common::json{{"chain_pem", certificate.chain_pem},
                      {"key_pem", certificate.key_pem},
                      {"not_after", leaf->not_after.time_since_epoch().count()},
                      {"self_signed", certificate.self_signed},
                      {"spki_sha256", common::crypto::hex(leaf->spki_sha256)}};
}

CertificateHandoff::CertificateHandoff(boost::asio::io_context& io,
                                       std::unique_ptr<common::ipc::Server> server)
    : io_(io), server_(std::move(server)), current_(std::make_shared<common::json>(nullptr)) {}

CertificateHandoff::~CertificateHandoff() { close(); }

common::Result<std::unique_ptr<CertificateHandoff>> CertificateHandoff::start(
    boost::asio::io_context& io, const std::string& socket_path, std::vector<uid_t> allowed_uids) {
  common::ipc::ServerOptions options;
  options.allowed_uids = allowed_uids;
  auto server = common::ipc::Server::listen(io, socket_path, options);
  if (!server)
    return std::unexpected(common::wrap(server.error(), "unable to serve " + socket_path));
  auto handoff = std::make_unique<CertificateHandoff>(io, std::move(*server));
  auto current = handoff->current_;
  handoff->server_->on(
      std::string(contract::acmed::certificate_get),
      [current](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
        if (current->is_null()) {
          return common::fail(common::Error::Kind::environment, "no certificate yet");
        }
        return *current;
      },
      allowed_uids);
  return handoff;
}

common::Status CertificateHandoff::publish(const ServedCertificate& certificate) {
  auto value = describe_for_ipc(certificate);
  if (!value) return std::unexpected(value.error());
  boost::asio::post(io_, [this, value = std::move(*value)] {
    *current_ = value;
    if (server_) server_->publish(contract::acmed::certificate_updated, value);
  });
  return {};
}

void CertificateHandoff::close() {
  if (server_) server_->close();
}

}  // namespace acmed
