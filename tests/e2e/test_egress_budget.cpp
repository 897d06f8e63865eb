// The in-appliance egress budget, booted (issue 15, "Done when"): the very
// disk.raw under QEMU with a small egress_cap_bytes from the metadata
// look-alike; a client downloads attestation evidence past the cap; the
// appliance warns, then powers itself off in order; booted again on the same
// vTPM state in the same month it resumes the count from NV and powers off
// again at once. attestd's /v1/status shows the figures before that. Runs
// inside run-isolated.sh, like the appliance test.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <regex>
#include <thread>

#include "common/json.hpp"
#include "e2e_environment.hpp"
#include "sim/simulation.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kCap = 4'000'000;  // the boot itself sends far less

// A request to attestd, which may still serve its bootstrap certificate: the
// figures are what is checked here, not the TLS identity (the appliance test
// checks that).
common::HttpRequest attestd_request(const sim::Simulation& simulation, const std::string& path) {
  auto request = simulation.appliance_request(simulation.attest_url() + path);
  request.verify_tls = false;
  return request;
}

common::json egress_status(const sim::Simulation& simulation) {
  auto response = common::http_request(attestd_request(simulation, "/v1/status"));
  if (!response || response->status != 200) return nullptr;
  auto body = common::parse_json(response->body);
  return body && body->contains("egress") ? (*body)["egress"] : common::json();
}

std::string random_nonce() {
  static std::mt19937_64 random{std::random_device{}()};
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  return hex;
}

// Bytes of one download of evidence (the firmware event log makes it large).
std::size_t download(const sim::Simulation& simulation) {
  auto response =
      common::http_request(attestd_request(simulation, "/v1/attestation?nonce=" + random_nonce()));
  return response ? response->body.size() : 0;
}

// Where the first match of `pattern` is in the console (-1: nowhere).
long line_of(const std::string& console, const std::string& pattern) {
  std::smatch match;
  if (!std::regex_search(console, match, std::regex(pattern))) return -1;
  return static_cast<long>(match.position(0));
}

bool wait_for_power_off(sim::Simulation& simulation, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (simulation.qemu_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1s);
  }
  return !simulation.qemu_running();
}

TEST(EgressBudget, WarnsThenPowersOffAndStaysOffOnTheSameTpm) {
  sim::SimulationOptions options = e2e::simulation_options();
  options.keep_tpm_state = true;
  sim::Simulation simulation(options);
  simulation.metadata().set_instance_attribute("egress_cap_bytes", std::to_string(kCap));
  simulation.metadata().set_instance_attribute("egress_warn_percent", "50,75");
  simulation.boot();

  // 1. attestd's status shows the month's figures.
  common::json status;
  const bool counting = fixtures::wait_until(
      [&] {
        status = egress_status(simulation);
        return !simulation.qemu_running() ||
               (status.is_object() && status.value("state", "") == "under" &&
                status.value("persisted", false));
      },
      600s);
  ASSERT_TRUE(counting && simulation.qemu_running()) << status.dump() << "\n"
                                                     << e2e::tail(simulation.serial_console());
  std::cout << "before the download: " << status.dump() << std::endl;
  EXPECT_EQ(status["cap_bytes"], kCap);
  EXPECT_EQ(status["warn_percent"], common::json({50, 75}));
  EXPECT_GT(status["bytes"].get<std::uint64_t>(), 0U);
  EXPECT_LT(status["bytes"].get<std::uint64_t>(), kCap / 2);
  EXPECT_EQ(status["interface"], "eth0");
  EXPECT_TRUE(
      std::regex_match(status["month"].get<std::string>(), std::regex("20[0-9]{2}-[01][0-9]")));

  // 2. Download until attestd's status says "warning", then past the cap.
  std::size_t downloaded = 0;
  const auto started = std::chrono::steady_clock::now();
  while (simulation.qemu_running() && std::chrono::steady_clock::now() - started < 600s) {
    downloaded += download(simulation);
    status = egress_status(simulation);
    if (status.is_object() && status["state"] == "warning") break;
  }
  ASSERT_EQ(status.value("state", ""), "warning") << status.dump();
  std::cout << "in warning: " << status.dump() << std::endl;
  EXPECT_GE(status["bytes"].get<std::uint64_t>(), kCap / 2);
  EXPECT_LT(status["bytes"].get<std::uint64_t>(), kCap);
  while (simulation.qemu_running() && std::chrono::steady_clock::now() - started < 600s) {
    downloaded += download(simulation);
  }
  std::cout << "downloaded " << downloaded << " bytes" << std::endl;
  ASSERT_TRUE(wait_for_power_off(simulation, 180s)) << e2e::tail(simulation.serial_console());
  EXPECT_EQ(simulation.power_down(10s), 0) << "QEMU exits cleanly after an orderly power-off";

  const std::string first = simulation.serial_console();
  const long warn50 = line_of(
      first, R"("severity":"WARNING"[^\n]*"event":"egress.threshold_reached"[^\n]*"percent":50)");
  const long warn75 = line_of(
      first, R"("severity":"WARNING"[^\n]*"event":"egress.threshold_reached"[^\n]*"percent":75)");
  const long capped = line_of(first, R"("severity":"ERROR"[^\n]*"event":"egress.cap_reached")");
  const long asked = line_of(first, R"("event":"control.poweroff")");
  const long stopped = line_of(first, R"(all services stopped|"event":"init.services_stopped")");
  ASSERT_GE(warn50, 0) << e2e::tail(first);
  ASSERT_GE(warn75, 0) << e2e::tail(first);
  ASSERT_GE(capped, 0) << e2e::tail(first);
  ASSERT_GE(asked, 0) << e2e::tail(first);
  ASSERT_GE(stopped, 0) << e2e::tail(first);
  EXPECT_LT(warn50, warn75);
  EXPECT_LT(warn75, capped);
  EXPECT_LT(capped, asked);
  EXPECT_LT(asked, stopped);

  // 3. Booted again on the same vTPM, same month: resumed over the cap, off at once.
  simulation.boot();
  ASSERT_TRUE(wait_for_power_off(simulation, 600s)) << e2e::tail(simulation.serial_console());
  EXPECT_EQ(simulation.power_down(10s), 0);
  const std::string second = simulation.serial_console();
  std::smatch restored;
  ASSERT_TRUE(std::regex_search(
      second, restored,
      std::regex(R"("event":"egress.restored"[^\n]*"bytes":([0-9]+)[^\n]*"from_nv":true)")))
      << e2e::tail(second);
  EXPECT_GE(std::stoull(restored[1]), kCap);
  const long recapped = line_of(second, R"("severity":"ERROR"[^\n]*"event":"egress.cap_reached")");
  const long reasked = line_of(second, R"("event":"control.poweroff")");
  ASSERT_GE(recapped, 0) << e2e::tail(second);
  EXPECT_LT(static_cast<long>(restored.position(0)), recapped);
  EXPECT_LT(recapped, reasked);
  EXPECT_EQ(second.find("egress.threshold_reached"), std::string::npos)
      << "a resumed budget reports only the highest level reached";
}

}  // namespace
