#pragma once
// The certificate hand-off to authd and attestd over acmed's IPC socket
// (contract::acmed): certificate.get answers the current chain and key, and
// certificate.updated is pushed to subscribers on every new one, so they
// swap it in without a restart. Only the callers' uids are admitted.
// Lives on the io_context's thread; publish() may be called from any thread.

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"
#include "common/ipc_server.hpp"
#include "common/json.hpp"

namespace acmed {

struct ServedCertificate {
  std::string chain_pem;
  std::string key_pem;  // secret
  bool self_signed = false;
};

// certificate.get's result object for a chain and key.
common::Result<common::json> describe_for_ipc(const ServedCertificate& certificate);

class CertificateHandoff {
 public:
  static common::Result<std::unique_ptr<CertificateHandoff>> start(boost::asio::io_context& io,
                                                                   const std::string& socket_path,
                                                                   std::vector<uid_t> allowed_uids);
  CertificateHandoff(boost::asio::io_context& io, std::unique_ptr<common::ipc::Server> server);
  ~CertificateHandoff();
  CertificateHandoff(const CertificateHandoff&) = delete;
  CertificateHandoff& operator=(const CertificateHandoff&) = delete;

  // Makes `certificate` current and tells subscribers (thread-safe).
  common::Status publish(const ServedCertificate& certificate);
  void close();

 private:
  boost::asio::io_context& io_;
  std::unique_ptr<common::ipc::Server> server_;
  std::shared_ptr<common::json> current_;  // touched on the io thread only
};

}  // namespace acmed
