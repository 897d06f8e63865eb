#pragma once
// The local stand-in for everything the appliance meets in the cloud, and
// the appliance itself booted under QEMU, as one object:
// - a GCP metadata server look-alike (reached by the guest at
//   169.254.169.254:80 through a QEMU guestfwd),
// - a TPM: swtpm, fresh per boot (started by nix/scripts/run-qemu.sh), first
//   provisioned as GCE provisions a vTPM: Google's AK template in NV and the
//   AK's certificate from the simulation's own EK/AK CA (`ak_ca_pem()`), with
//   the instance identity of `instance()`,
// - an ACME CA: pebble + pebble-challtestsrv; the test domain resolves to
//   127.0.0.1, where QEMU forwards port `http_port` to the guest's port 80, so
//   pebble validates HTTP-01 against the appliance for real,
// - PayPal: the sandbox look-alike, reached by the guest at the QEMU host
//   address 169.254.169.2 and by the browser at localhost,
// - QEMU: q35, 1 GiB, OVMF, the swtpm TPM, disk.raw, virtio-net user mode.
// Used by the end-to-end test and by the README's main command (boot.sh).

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/http_client.hpp"
#include "fixtures/gce_vtpm.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/paypal_sandbox.hpp"
#include "fixtures/pebble.hpp"
#include "fixtures/process.hpp"

namespace sim {

// The guest sees the host (and so every look-alike) at this address.
inline constexpr const char* kHostAddressFromGuest = "169.254.169.2";

struct SimulationOptions {
  std::filesystem::path image_dir;   // holds disk.raw and measurements.json
  std::filesystem::path source_dir;  // the repository (for nix/scripts/run-qemu.sh)
  std::filesystem::path work_dir;    // logs; empty: a temporary directory
  std::string domain = "appliance.test";
  int http_port = 0;  // host side of the forwards; 0: a free port
  int https_port = 0;
  int attest_port = 0;
  // Keep the vTPM's state across boot() calls, as GCE keeps a vTPM's NV for
  // the life of an instance (egressd's month count); otherwise each boot
  // gets a freshly provisioned TPM.
  bool keep_tpm_state = false;
};

struct RelyingParty {
  std::string client_id = "demo-rp";
  std::string client_secret = "demo-rp-secret";
  std::string redirect_uri = "https://rp.example/callback";
};

class Simulation {
 public:
  explicit Simulation(SimulationOptions options);  // starts the look-alikes
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  void boot();  // starts QEMU (again, once the previous boot has ended)
  // Waits until attestd answers and authd serves a certificate that chains
  // to pebble's root. Returns the seconds from boot() to ready, or nullopt.
  std::optional<double> wait_until_ready(std::chrono::seconds timeout);
  // ACPI power button through QEMU's monitor; waits for QEMU to exit.
  std::optional<int> power_down(std::chrono::seconds timeout);
  bool qemu_running();

  std::string issuer() const { return "https://" + options_.domain; }
  // URLs as the world sees them (https://DOMAIN, https://DOMAIN:8443); the
  // connect_to() entries send them to QEMU's forwards on loopback.
  std::string https_base() const { return issuer(); }
  std::string attest_url() const { return issuer() + ":8443"; }
  // curl-style "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT" entries.
  std::vector<std::string> connect_to() const;
  // A request to the appliance, so mapped, with only pebble's root trusted.
  common::HttpRequest appliance_request(const std::string& url) const;
  std::string pebble_roots_pem() const;  // root + intermediate
  // The simulated EK/AK CA (root + intermediate, PEM) that certified the
  // vTPM's AK: attest-verify's --ak-ca. Written to ak_ca_file() as well.
  std::string ak_ca_pem() const { return ak_ca_.root_pem() + ak_ca_.intermediate_pem(); }
  std::filesystem::path ak_ca_file() const { return work_dir_ / "simulated-gce-ak-ca.pem"; }
  // PROJECT/ZONE/NAME of the simulated instance: attest-verify's --instance.
  std::string instance() const;

  std::string serial_console() const;
  const std::filesystem::path& serial_log() const { return serial_log_; }
  const std::filesystem::path& work_dir() const { return work_dir_; }
  std::filesystem::path measurements() const { return options_.image_dir / "measurements.json"; }
  const SimulationOptions& options() const { return options_; }
  const RelyingParty& relying_party() const { return relying_party_; }
  fixtures::MetadataServer& metadata() { return *metadata_; }
  fixtures::PayPalSandbox& paypal() { return *paypal_; }
  fixtures::Pebble& pebble() { return *pebble_; }
  // Every secret the simulation hands the appliance (for "not in the logs").
  std::vector<std::string> secrets() const;

 private:
  void configure_metadata();
  std::filesystem::path provision_tpm();
  bool monitor_command(const std::string& command);

  SimulationOptions options_;
  RelyingParty relying_party_;
  fixtures::AkCertificateAuthority ak_ca_{"Simulated GCE EK/AK CA"};
  std::unique_ptr<fixtures::TempDir> temp_;
  std::filesystem::path work_dir_;
  std::filesystem::path serial_log_;
  std::filesystem::path monitor_socket_;
  std::unique_ptr<fixtures::MetadataServer> metadata_;
  std::unique_ptr<fixtures::PayPalSandbox> paypal_;
  std::unique_ptr<fixtures::Pebble> pebble_;
  std::unique_ptr<fixtures::Process> qemu_;
  std::chrono::steady_clock::time_point boot_started_;
};

}  // namespace sim
