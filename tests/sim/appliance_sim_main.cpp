// appliance-sim: the README's main command after the build. Starts the
// simulated cloud (metadata, pebble, PayPal look-alike), boots disk.raw under
// QEMU with a swtpm TPM, waits until the appliance serves, prints what to do
// next, and on Ctrl-C powers the appliance down through ACPI.
//
//   appliance-sim --image-dir=DIR --source-dir=REPO [--work-dir=DIR]
//                 [--http-port=N] [--https-port=N] [--attest-port=N]
//                 [--timeout=SECONDS]
// Exit codes: 0 clean shutdown, 1 the appliance did not become ready,
// 100 usage.

#include <signal.h>

#include <cstdio>
#include <iostream>

#include "common/daemon.hpp"
#include "common/http_client.hpp"
#include "common/log.hpp"
#include "sim/simulation.hpp"

namespace {

using namespace std::chrono_literals;

int flag_int(const std::map<std::string, std::string>& flags, const std::string& name,
             int fallback) {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : std::stoi(it->second);
}

std::string flag(const std::map<std::string, std::string>& flags, const std::string& name) {
  auto it = flags.find(name);
  return it == flags.end() ? std::string() : it->second;
}

void print_next_steps(sim::Simulation& simulation, double seconds) {
  const auto& options = simulation.options();
  const auto& rp = simulation.relying_party();
  const std::string https_map =
      options.domain + ":443:127.0.0.1:" + std::to_string(options.https_port);
  const std::string attest_map =
      options.domain + ":8443:127.0.0.1:" + std::to_string(options.attest_port);
  const auto roots = simulation.work_dir() / "pebble-roots.pem";
  if (FILE* f = std::fopen(roots.c_str(), "w")) {
    std::fputs(simulation.pebble_roots_pem().c_str(), f);
    std::fclose(f);
  }
  std::cout << "\nThe appliance is ready (" << seconds << " s after boot).\n\n"
            << "Serial console:   " << simulation.serial_log().string() << "\n"
            << "pebble's roots:   " << roots.string() << "\n"
            << "The appliance's ports are forwarded to loopback: 443 -> " << options.https_port
            << ", 8443 -> " << options.attest_port << ", 80 -> " << options.http_port
            << " (a browser needs " << options.domain
            << " mapped there; curl takes --connect-to).\n\n"
            << "Log in with PayPal (the look-alike consents at once):\n  "
            << simulation.https_base() << "/authorize?response_type=code&client_id=" << rp.client_id
            << "&redirect_uri=" << common::url_encode(rp.redirect_uri)
            << "&scope=openid%20email&state=demo-state&nonce=demo-nonce\n\n"
            << "OpenID configuration:\n  curl --cacert " << roots.string() << " --connect-to "
            << https_map << " " << simulation.https_base()
            << "/.well-known/openid-configuration\n\n"
            << "Attestation evidence:\n  " << simulation.attest_url()
            << "/v1/attestation?nonce=00112233445566778899aabbccddeeff\n\n"
            << "Verify the machine against this build (the simulated vTPM's AK is certified\n"
            << "by the simulation's EK/AK CA, as Google's CA certifies a GCE vTPM's):\n"
            << "  attest-verify --url " << simulation.attest_url() << " --measurements "
            << simulation.measurements().string() << " --ak-ca " << simulation.ak_ca_file().string()
            << " --instance " << simulation.instance() << " --cacert " << roots.string()
            << " --connect-to " << attest_map << "\n\n"
            << "Ctrl-C powers the appliance down.\n"
            << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  common::log::set_component("appliance-sim");
  auto flags = common::daemon::Flags::parse_map(argc, argv);
  if (!flags || flag(*flags, "image-dir").empty() || flag(*flags, "source-dir").empty()) {
    std::cerr << "usage: appliance-sim --image-dir=DIR --source-dir=REPO [--work-dir=DIR] "
                 "[--http-port=N] [--https-port=N] [--attest-port=N] [--timeout=SECONDS]\n";
    return common::daemon::kExitPermanent;
  }
  // Ctrl-C must reach us as a flag, not kill us before the power-down.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  sim::SimulationOptions options;
  options.image_dir = flag(*flags, "image-dir");
  options.source_dir = flag(*flags, "source-dir");
  options.work_dir = flag(*flags, "work-dir");
  options.http_port = flag_int(*flags, "http-port", 0);
  options.https_port = flag_int(*flags, "https-port", 0);
  options.attest_port = flag_int(*flags, "attest-port", 0);
  const auto timeout = std::chrono::seconds(flag_int(*flags, "timeout", 900));

  try {
    sim::Simulation simulation(options);
    common::log::info(common::log::Event{"simulation.booting"}, "booting the appliance", {{"serial_log", simulation.serial_log().string()}});
    simulation.boot();
    auto seconds = simulation.wait_until_ready(timeout);
    if (!seconds) {
      common::log::error(common::log::Event{"simulation.not_ready"}, "unable to bring the appliance up",
                         {{"serial_log", simulation.serial_log().string()}});
      simulation.power_down(60s);
      return 1;
    }
    print_next_steps(simulation, *seconds);
    int received = 0;
    while (simulation.qemu_running()) {
      timespec tick{1, 0};
      received = sigtimedwait(&stop_signals, nullptr, &tick);
      if (received > 0) break;
    }
    common::log::info(common::log::Event{"simulation.stopping"}, "powering the appliance down");
    auto status = simulation.power_down(120s);
    return status && *status == 0 ? 0 : 1;
  } catch (const std::exception& error) {
    common::log::error(common::log::Event{"simulation.failed"}, "unable to run the simulation", {{"reason", error.what()}});
    return 1;
  }
}
