#pragma once
// The TLS identity authd serves: a self-signed certificate made in RAM at
// start (so HTTPS answers at once), replaced by acmed's certificate as soon
// as acmed hands it over (certificate.get, then certificate.updated on every
// renewal), without a restart.

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"
#include "common/tls_identity.hpp"
#include "common/ipc_client.hpp"

namespace authd {

common::Status install_bootstrap_certificate(common::CertificateStore& store,
                                             const std::string& domain);

// A fixed pair from files (local runs, benchmarks).
common::Status install_certificate_files(common::CertificateStore& store,
                                         const std::string& chain_file,
                                         const std::string& key_file);

// Follows acmed's certificate into `store` until stopped.
std::unique_ptr<common::ipc::Subscriber> follow_acmed(
    boost::asio::io_context& io, std::shared_ptr<common::CertificateStore> store);

}  // namespace authd
