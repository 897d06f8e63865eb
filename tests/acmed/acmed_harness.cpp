#include "acmed_harness.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/ipc_client.hpp"
#include "common/x509.hpp"

namespace acmed_test {
namespace {

using namespace std::chrono_literals;
using fixtures::read_file;

// Splits a PEM bundle at its END lines.
std::vector<std::string> pem_blocks(const std::string& pem) {
  std::vector<std::string> blocks;
  const std::string end = "-----END CERTIFICATE-----";
  std::size_t start = 0;
  for (;;) {
    auto begin = pem.find("-----BEGIN CERTIFICATE-----", start);
    if (begin == std::string::npos) break;
    auto stop = pem.find(end, begin);
    if (stop == std::string::npos) break;
    blocks.push_back(pem.substr(begin, stop + end.size() - begin) + "\n");
    start = stop + end.size();
  }
  return blocks;
}

}  // namespace

AcmedHarness::AcmedHarness(HarnessOptions options) : options_(std::move(options)) {
  http_port_ = fixtures::free_tcp_port();
  if (options_.pebble.http01_port == 0) options_.pebble.http01_port = http_port_;
  pebble_.emplace(options_.pebble);
  nlohmann::json attributes{{"domain", kDomain},
                            {"acme_directory", pebble_->directory_url()},
                            {"acme_ca_pem", pebble_->listener_ca_pem()},
                            {"acme_contact", "ops@example.com"}};
  for (const auto& [key, value] : options_.attributes) attributes[key] = value;
  attributes_ = attributes;
  metadata_.emplace(nlohmann::json{{"instance", {{"attributes", attributes}}}});
}

AcmedHarness::~AcmedHarness() { stop_acmed(); }

std::string AcmedHarness::socket_path() const {
  return (run_dir_.path() / "acmed" / "ipc.sock").string();
}

void AcmedHarness::start_acmed() {
  const std::vector<std::string> defaults = {
      options_.config_from_attestd ? "--config-source=attestd" : "--config-source=metadata",
      "--http-host=127.0.0.1",
      "--http-port=" + std::to_string(http_port_),
      "--retry-initial-ms=300",
      "--retry-max-ms=1500",
      "--poll-initial-ms=50",
      "--ari-recheck-min-seconds=1"};
  // A flag the test names replaces the default of the same name.
  auto overridden = [&](const std::string& flag) {
    const auto name = flag.substr(0, flag.find('=') + 1);
    return std::any_of(options_.flags.begin(), options_.flags.end(),
                       [&](const std::string& own) { return own.starts_with(name); });
  };
  std::vector<std::string> argv = {fixtures::project_binary("acmed").string()};
  for (const auto& flag : defaults) {
    if (!overridden(flag)) argv.push_back(flag);
  }
  argv.insert(argv.end(), options_.flags.begin(), options_.flags.end());
  acmed_.emplace(fixtures::ProcessOptions{argv,
                                          {{"GCE_METADATA_HOST", metadata_->address()},
                                           {"APPLIANCE_RUN_DIR", run_dir_.path().string()}},
                                          run_dir_.path() / "acmed.log",
                                          run_dir_.path()});
  ASSERT_TRUE(fixtures::wait_for_path(socket_path(), 10s)) << log();
}

void AcmedHarness::stop_acmed() {
  if (!acmed_) return;
  int status = acmed_->stop();
  // A clean stop on SIGTERM: exit code 0, never a crash.
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status << "\n"
                                                             << log();
  acmed_.reset();
}

std::string AcmedHarness::log() const { return read_file(run_dir_.path() / "acmed.log"); }

std::size_t AcmedHarness::log_count(const std::string& needle) const {
  const std::string text = log();
  std::size_t count = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++count;
  }
  return count;
}

bool AcmedHarness::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout,
                                std::size_t count) const {
  return fixtures::wait_until([&] { return log_count(needle) >= count; }, timeout);
}

common::Result<common::json> AcmedHarness::certificate() const {
  auto client = common::ipc::Client::connect(socket_path());
  if (!client) return std::unexpected(client.error());
  return client->call("certificate.get");
}

common::json AcmedHarness::wait_for_issued(std::chrono::milliseconds timeout,
                                           const std::string& not_serial) {
  common::json found;
  bool ok = fixtures::wait_until(
      [&] {
        auto current = certificate();
        if (!current || !current->is_object() || current->value("self_signed", true)) return false;
        if (!not_serial.empty() && leaf_serial(current->value("chain_pem", "")) == not_serial) {
          return false;
        }
        found = *current;
        return true;
      },
      timeout);
  EXPECT_TRUE(ok) << "no CA-issued certificate in time; acmed log:\n"
                  << log() << "\npebble log:\n"
                  << pebble_->pebble_log();
  return found;
}

std::string openssl_verify(const std::string& chain_pem, const std::string& root_pem) {
  fixtures::TempDir dir;
  auto blocks = pem_blocks(chain_pem);
  if (blocks.empty()) return "no certificates in the chain";
  std::string intermediates;
  for (std::size_t i = 1; i < blocks.size(); ++i) intermediates += blocks[i];
  std::ofstream(dir.path() / "leaf.pem") << blocks[0];
  std::ofstream(dir.path() / "untrusted.pem") << intermediates;
  std::ofstream(dir.path() / "root.pem") << root_pem;
  std::vector<std::string> argv = {"openssl", "verify", "-CAfile",
                                   (dir.path() / "root.pem").string()};
  if (!intermediates.empty()) {
    argv.push_back("-untrusted");
    argv.push_back((dir.path() / "untrusted.pem").string());
  }
  argv.push_back((dir.path() / "leaf.pem").string());
  auto result = fixtures::run_command(argv);
  return result.exit_code == 0 ? "" : result.output;
}

std::string leaf_serial(const std::string& chain_pem) {
  auto blocks = pem_blocks(chain_pem);
  if (blocks.empty()) return "";
  auto result = fixtures::run_command({"openssl", "x509", "-noout", "-serial"}, 10s, blocks[0]);
  auto eq = result.output.find('=');
  if (result.exit_code != 0 || eq == std::string::npos) return "";
  std::string serial = result.output.substr(eq + 1);
  while (!serial.empty() && (serial.back() == '\n' || serial.back() == '\r')) serial.pop_back();
  for (auto& c : serial) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return serial;
}

}  // namespace acmed_test
