#pragma once
// What the QEMU tests share: the environment CTest gives them and the
// simulation options it implies, and the end of a long log for a failure
// message.

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "sim/simulation.hpp"

namespace e2e {

// An environment variable the test cannot run without (CTest sets them).
inline std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) throw std::runtime_error(std::string(name) + " is not set");
  return value;
}

// The image and the repository from CTest's environment, the work directory
// kept where APPLIANCE_E2E_WORK_DIR says, and the appliance's public ports
// forwarded to the same ports on the host (pebble validates HTTP-01 on 80).
inline sim::SimulationOptions simulation_options() {
  sim::SimulationOptions options;
  options.image_dir = required_env("APPLIANCE_IMAGE_DIR");
  options.source_dir = required_env("APPLIANCE_SOURCE_DIR");
  if (const char* keep = std::getenv("APPLIANCE_E2E_WORK_DIR")) options.work_dir = keep;
  options.http_port = 80;
  options.https_port = 443;
  options.attest_port = 8443;
  return options;
}

// The last `lines` lines of a log.
inline std::string tail(const std::string& text, std::size_t lines = 80) {
  std::size_t pos = text.size();
  for (std::size_t n = 0; n < lines && pos > 0; ++n) pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos ? text : text.substr(pos);
}

}  // namespace e2e
