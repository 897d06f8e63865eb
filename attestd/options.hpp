#pragma once
// attestd's command line. What an operator configures comes from the
// metadata server (measured); flags are for the listener, the TPM device and
// local runs.

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace attestd {

struct Options {
  std::string tcti = "device:/dev/tpmrm0";
  std::string host = "0.0.0.0";
  int port = 8443;  // used only when init hands over no socket named "attest"
  std::string event_log = "/sys/kernel/security/tpm0/binary_bios_measurements";
  unsigned config_pcr = 15;
  std::string state_dir = "/run/attestd";
  std::string config_file;  // empty: the metadata server
  int config_poll_seconds = 60;
  std::string tls_name = "attestd";  // the bootstrap certificate's name
};

common::Result<Options> parse_command_line(int argc, char** argv);

inline constexpr std::string_view kUsage =
    "[--tcti=device:/dev/tpmrm0] [--host=0.0.0.0] [--port=8443]\n"
    "  [--event-log=/sys/kernel/security/tpm0/binary_bios_measurements]\n"
    "  [--config-pcr=15] [--state-dir=/run/attestd] [--config-file=PATH]\n"
    "  [--config-poll-seconds=60] [--tls-name=attestd]\n";

}  // namespace attestd
