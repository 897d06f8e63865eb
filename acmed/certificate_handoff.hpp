#pragma once
// The certificate hand-off to authd and attestd (contract::acmed's
// certificate feed): every certificate acmed serves, bootstrap or the CA's,
// goes out as a contract::Certificate through one ipc::Publisher, so that
// consumers swap it in without a restart. publish() may be called from any
// thread.

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"
#include "common/ipc_contracts.hpp"
#include "common/ipc_publisher.hpp"

namespace acmed {

struct ServedCertificate {
  std::string chain_pem;
  std::string key_pem;  // secret
  bool self_signed = false;
};

// The contract's payload for a chain and key: not_after and spki_sha256 are
// read from the leaf, so consumers can check them against what they install.
common::Result<common::contract::Certificate> certificate_payload(
    const ServedCertificate& certificate);

class CertificateHandoff {
 public:
  static common::Result<std::unique_ptr<CertificateHandoff>> start(boost::asio::io_context& io);

  common::Status publish(const ServedCertificate& certificate);
  void close();

 private:
  using Publisher = common::ipc::Publisher<common::contract::Certificate>;
  explicit CertificateHandoff(std::unique_ptr<Publisher> publisher)
      : publisher_(std::move(publisher)) {}
  std::unique_ptr<Publisher> publisher_;
};

}  // namespace acmed
