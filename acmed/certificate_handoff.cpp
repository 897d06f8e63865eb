#include "acmed/certificate_handoff.hpp"

#include "common/crypto.hpp"
#include "common/x509.hpp"

namespace acmed {

common::Result<common::contract::Certificate> certificate_payload(
    const ServedCertificate& certificate) {
  auto leaf = common::x509::describe_leaf_pem(certificate.chain_pem);
  if (!leaf) {
    return std::unexpected(common::wrap(leaf.error(), "unable to describe the certificate"));
  }
  return common::contract::Certificate{certificate.chain_pem, certificate.key_pem,
                                       leaf->not_after.time_since_epoch().count(),
                                       certificate.self_signed,
                                       common::crypto::hex(leaf->spki_sha256)};
}

common::Result<std::unique_ptr<CertificateHandoff>> CertificateHandoff::start(
    boost::asio::io_context& io) {
  auto publisher = Publisher::start(io, common::contract::acmed::certificate_feed);
  if (!publisher) return std::unexpected(publisher.error());
  return std::unique_ptr<CertificateHandoff>(new CertificateHandoff(std::move(*publisher)));
}

common::Status CertificateHandoff::publish(const ServedCertificate& certificate) {
  auto payload = certificate_payload(certificate);
  if (!payload) return std::unexpected(payload.error());
  publisher_->publish(*payload);
  return {};
}

void CertificateHandoff::close() { publisher_->close(); }

}  // namespace acmed
