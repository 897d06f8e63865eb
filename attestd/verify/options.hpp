#pragma once
// attest-verify's command line (a contract: operators script it). Flags take
// their value as --name=value or --name value.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace attest {

struct VerifyOptions {
  std::string url;           // https://HOST:PORT of attestd
  std::string measurements;  // the operator's measurements.json
  std::optional<std::string> ak_ca;
  std::optional<std::string> ak_pub;
  std::optional<std::string> instance;  // PROJECT/ZONE/NAME-OR-ID
  bool require_secure_boot = false;
  std::optional<std::string> jwks_url;
  std::optional<unsigned> config_pcr;
  std::optional<std::string> cacert;
  bool no_pki_check = false;
  std::vector<std::string> connect_to;  // HOST:PORT:TO-HOST:TO-PORT
  bool json = false;
  bool help = false;
};

// A usage error names the problem; the caller prints kVerifyUsage.
common::Result<VerifyOptions> parse_verify_command_line(int argc, char** argv);

extern const std::string_view kVerifyUsage;

}  // namespace attest
