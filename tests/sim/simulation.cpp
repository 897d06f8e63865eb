#include "sim/simulation.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/crypto.hpp"
#include "common/json.hpp"
#include "fixtures/swtpm.hpp"

namespace sim {
namespace {

using namespace std::chrono_literals;
using fixtures::read_file;

int port_or_free(int port) { return port != 0 ? port : fixtures::free_tcp_port(); }

}  // namespace

Simulation::Simulation(SimulationOptions options) : options_(std::move(options)) {
  // QEMU runs in the work directory: relative paths would point elsewhere.
  options_.image_dir = std::filesystem::absolute(options_.image_dir);
  options_.source_dir = std::filesystem::absolute(options_.source_dir);
  if (options_.work_dir.empty()) {
    temp_ = std::make_unique<fixtures::TempDir>();
    work_dir_ = temp_->path();
  } else {
    work_dir_ = options_.work_dir;
    std::filesystem::create_directories(work_dir_);
  }
  serial_log_ = work_dir_ / "serial.log";
  monitor_socket_ = work_dir_ / "qemu-monitor.sock";
  options_.http_port = port_or_free(options_.http_port);
  options_.https_port = port_or_free(options_.https_port);
  options_.attest_port = port_or_free(options_.attest_port);

  metadata_ = std::make_unique<fixtures::MetadataServer>();
  fixtures::PayPalSandboxOptions paypal;
  // The browser reaches the look-alike as localhost; the guest as the QEMU host address.
  paypal.dns_names = {"localhost", kHostAddressFromGuest};
  paypal_ = std::make_unique<fixtures::PayPalSandbox>(paypal);
  fixtures::PebbleOptions pebble;
  pebble.http01_port = options_.http_port;
  pebble.listener_extra_sans = {std::string("IP:") + kHostAddressFromGuest};
  pebble_ = std::make_unique<fixtures::Pebble>(pebble);
  configure_metadata();
  std::ofstream(ak_ca_file(), std::ios::trunc) << ak_ca_pem();
}

Simulation::~Simulation() {
  if (qemu_running()) power_down(60s);
  qemu_.reset();
}

void Simulation::configure_metadata() {
  const std::string host = kHostAddressFromGuest;
  const auto& pp = paypal_->options();
  auto set = [this](const std::string& key, const std::string& value) {
    metadata_->set_instance_attribute(key, value);
  };
  set("domain", options_.domain);
  set("paypal_environment", "sandbox");
  set("paypal_client_id", pp.client_id);
  set("paypal_client_secret", pp.client_secret);
  set("paypal_authorize_url", paypal_->authorize_url());
  set("paypal_api_base", "https://" + host + ":" + std::to_string(paypal_->port()));
  set("extra_ca_pem", paypal_->ca_pem());
  common::json clients = common::json::array(
      {{{"client_id", relying_party_.client_id},
        {"redirect_uris", {relying_party_.redirect_uri}},
        {"client_secret_sha256",
         common::crypto::hex(common::crypto::sha256(relying_party_.client_secret))}}});
  set("oidc_clients", clients.dump());
  set("acme_directory", "https://" + host + ":" + std::to_string(pebble_->acme_port()) + "/dir");
  set("acme_ca_pem", pebble_->listener_ca_pem());
  set("acme_contact", "mailto:operator@" + options_.domain);
  // The instance the simulated vTPM's AK certificate names.
  const auto instance = fixtures::simulated_instance();
  metadata_->set("project/project-id", instance.project_id);
  metadata_->set("project/numeric-project-id", std::to_string(instance.project_number));
  metadata_->set("instance/hostname",
                 instance.instance_name + ".c." + instance.project_id + ".internal");
  metadata_->set("instance/id", std::to_string(instance.instance_id));
  metadata_->set("instance/name", instance.instance_name);
  metadata_->set("instance/zone",
                 "projects/" + std::to_string(instance.project_number) + "/zones/" + instance.zone);
}

std::string Simulation::instance() const {
  const auto identity = fixtures::simulated_instance();
  return identity.project_id + "/" + identity.zone + "/" + identity.instance_name;
}

// What GCE does before a Shielded VM boots: the vTPM gets Google's AK
// template and the AK's certificate in NV. Done on a swtpm of our own, whose
// state run-qemu.sh then copies for the boot.
std::filesystem::path Simulation::provision_tpm() {
  const auto state = work_dir_ / "tpm-provisioned";
  std::filesystem::remove_all(state);
  fixtures::Swtpm tpm;
  auto ak = fixtures::provision_gce_ak(tpm, ak_ca_, fixtures::simulated_instance());
  if (!ak) throw std::runtime_error("unable to provision the vTPM: " + ak.error().message);
  tpm.stop();
  std::filesystem::copy(tpm.state_dir(), state, std::filesystem::copy_options::recursive);
  return state;
}

void Simulation::boot() {
  if (qemu_running()) throw std::runtime_error("the appliance is already booted");
  qemu_.reset();
  const auto disk = options_.image_dir / "disk.raw";
  if (!std::filesystem::exists(disk)) throw std::runtime_error("no disk image at " + disk.string());
  std::filesystem::remove(serial_log_);
  std::filesystem::remove(monitor_socket_);
  std::string tpm_flag;
  if (options_.keep_tpm_state) {
    const auto kept = work_dir_ / "tpm-kept";
    if (!std::filesystem::exists(kept)) std::filesystem::rename(provision_tpm(), kept);
    tpm_flag = "--tpm-dir=" + kept.string();
  } else {
    tpm_flag = "--tpm-state=" + provision_tpm().string();
  }
  const std::string forwards =
      ",guestfwd=tcp:169.254.169.254:80-cmd:nc -q 1 127.0.0.1 " +
      std::to_string(metadata_->port()) +
      ",hostfwd=tcp:127.0.0.1:" + std::to_string(options_.http_port) +
      "-:80,hostfwd=tcp:127.0.0.1:" + std::to_string(options_.https_port) +
      "-:443,hostfwd=tcp:127.0.0.1:" + std::to_string(options_.attest_port) + "-:8443";
  boot_started_ = std::chrono::steady_clock::now();
  qemu_ = std::make_unique<fixtures::Process>(fixtures::ProcessOptions{
      {"bash", (options_.source_dir / "nix/scripts/run-qemu.sh").string(),
       "--disk=" + disk.string(), "--serial-log=" + serial_log_.string(),
       "--monitor=" + monitor_socket_.string(), tpm_flag, "--netdev-extra=" + forwards},
      {},
      work_dir_ / "qemu.log",
      work_dir_,
      /*new_process_group=*/true});
}

bool Simulation::qemu_running() { return qemu_ && qemu_->running(); }

std::vector<std::string> Simulation::connect_to() const {
  const std::string to = options_.domain + ":";
  return {to + "80:127.0.0.1:" + std::to_string(options_.http_port),
          to + "443:127.0.0.1:" + std::to_string(options_.https_port),
          to + "8443:127.0.0.1:" + std::to_string(options_.attest_port)};
}

std::string Simulation::pebble_roots_pem() const {
  return pebble_->root_pem() + "\n" + pebble_->intermediate_pem();
}

common::HttpRequest Simulation::appliance_request(const std::string& url) const {
  common::HttpRequest request;
  request.url = url;
  request.connect_to = connect_to();
  request.ca_pem = pebble_->root_pem();
  request.only_ca_pem = true;
  request.timeout = 10s;
  return request;
}

std::optional<double> Simulation::wait_until_ready(std::chrono::seconds timeout) {
  const bool ready = fixtures::wait_until(
      [&] {
        if (!qemu_running()) return true;  // ends the wait; reported below
        auto attest = common::http_request(appliance_request(attest_url() + "/v1/status"));
        if (!attest || attest->status != 200) return false;
        auto oidc = common::http_request(
            appliance_request(https_base() + "/.well-known/openid-configuration"));
        return oidc && oidc->status == 200;
      },
      timeout);
  if (!ready || !qemu_running()) return std::nullopt;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - boot_started_).count();
}

bool Simulation::monitor_command(const std::string& command) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", monitor_socket_.c_str());
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  if (ok) {
    const std::string line = command + "\n";
    ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    // Drain the banner and the echo until the monitor goes quiet, so that the
    // command is processed before we hang up.
    char buffer[512];
    pollfd readable{fd, POLLIN, 0};
    while (poll(&readable, 1, 500) > 0 && read(fd, buffer, sizeof buffer) > 0) {
    }
  }
  close(fd);
  return ok;
}

std::optional<int> Simulation::power_down(std::chrono::seconds timeout) {
  if (!qemu_) return std::nullopt;
  if (qemu_running()) monitor_command("system_powerdown");
  return qemu_->wait_exit(timeout);
}

std::string Simulation::serial_console() const { return read_file(serial_log_); }

std::vector<std::string> Simulation::secrets() const {
  return {paypal_->options().client_secret, relying_party_.client_secret};
}

}  // namespace sim
