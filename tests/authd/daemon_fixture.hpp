#pragma once
// The authd binary under test and its peers: the GCP metadata and Secret
// Manager look-alikes, the PayPal look-alike, and stand-ins for acmed
// (certificate) and attestd (measured configuration) over the real IPC
// contracts. Shared by the daemon tests.

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "common/ipc_server.hpp"
#include "common/json.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/paypal_sandbox.hpp"
#include "fixtures/process.hpp"
#include "fixtures/secret_manager.hpp"

namespace authd_test {

inline constexpr const char* kSecretRef = "projects/appliance-test/secrets/paypal/versions/1";

struct Identity {
  std::string chain_pem;
  std::string key_pem;
  bool self_signed = true;  // as acmed marks its bootstrap certificate
};
Identity make_identity();
// Hex SHA-256 of a certificate's public key ("" when it does not parse).
std::string spki_of(const std::string& pem);

// Plays the IPC peers authd talks to: acmed (certificate) and attestd (config).
class PeerStandIns {
 public:
  explicit PeerStandIns(Identity identity);
  ~PeerStandIns();
  // Starts answering config.get with `config`.
  void serve_attestd_config(common::json config);
  // A re-measured configuration: config.get answers it from now on, and
  // subscribers get config.updated with it.
  void publish_attestd_config(common::json config);
  void renew(Identity identity);

 private:
  common::json certificate_message() const;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::mutex mutex_;
  Identity identity_;
  common::json attestd_config_;
  std::unique_ptr<common::ipc::Server> acmed_;
  std::unique_ptr<common::ipc::Server> attestd_;
  std::thread thread_;
};

class AuthdDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // The measured keys as the metadata server (and attestd) hold them.
  common::json measured_config() const;
  fixtures::Process start_authd(const std::string& source = "metadata",
                                std::vector<std::string> extra = {});
  // Up, and serving acmed's certificate rather than its bootstrap one.
  bool serving(const std::string& chain_pem, fixtures::Process& authd);
  std::string log() const;
  // The log lines (JSON objects) whose `event` is `event`.
  std::vector<common::json> events(std::string_view event) const;

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

}  // namespace authd_test
