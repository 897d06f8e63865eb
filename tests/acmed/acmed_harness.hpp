#pragma once
// One acmed under test: a real pebble (with challtestsrv), the GCP metadata
// look-alike carrying acmed's configuration, and the acmed binary itself
// started with --config-source=metadata, fast retries and its HTTP-01
// listener on a free port that pebble validates against.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/pebble.hpp"
#include "fixtures/process.hpp"

namespace acmed_test {

inline constexpr const char* kDomain = "app.example.com";

struct HarnessOptions {
  fixtures::PebbleOptions pebble;                 // http01_port is filled in unless set
  std::map<std::string, std::string> attributes;  // extra metadata attributes
  std::vector<std::string> flags;                 // extra acmed flags (override defaults)
  bool config_from_attestd = false;               // --config-source=attestd instead of metadata
};

class AcmedHarness {
 public:
  explicit AcmedHarness(HarnessOptions options = {});
  ~AcmedHarness();

  void start_acmed();
  void stop_acmed();
  fixtures::Pebble& pebble() { return *pebble_; }
  fixtures::MetadataServer& metadata() { return *metadata_; }
  int http_port() const { return http_port_; }
  std::string socket_path() const;
  const std::filesystem::path& run_dir() const { return run_dir_.path(); }
  // The attributes acmed's configuration is made of (as served by metadata).
  nlohmann::json attributes() const { return attributes_; }

  std::string log() const;
  std::size_t log_count(const std::string& needle) const;
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout,
                    std::size_t count = 1) const;

  // certificate.get over acmed's IPC socket.
  common::Result<common::json> certificate() const;
  // Waits for a CA-issued certificate (not self-signed) whose serial differs
  // from `not_serial`; fails the test on timeout.
  common::json wait_for_issued(std::chrono::milliseconds timeout,
                               const std::string& not_serial = "");

 private:
  HarnessOptions options_;
  fixtures::TempDir run_dir_;
  int http_port_ = 0;
  nlohmann::json attributes_;
  std::optional<fixtures::Pebble> pebble_;
  std::optional<fixtures::MetadataServer> metadata_;
  std::optional<fixtures::Process> acmed_;
};

// openssl verify of a chain (leaf first) against a root; returns "" on
// success, else OpenSSL's output.
std::string openssl_verify(const std::string& chain_pem, const std::string& root_pem);
// The leaf's serial (lower-case hex) per the OpenSSL CLI.
std::string leaf_serial(const std::string& chain_pem);

}  // namespace acmed_test
