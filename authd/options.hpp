#pragma once
// authd's command line. Everything an operator configures lives in the
// metadata server (measured by attestd); flags are for the listener, the
// simulation and tests.

#include <chrono>
#include <map>
#include <string>

#include "common/error.hpp"
#include "authd/config_loader.hpp"
#include "authd/provider.hpp"
#include "authd/routes.hpp"

namespace authd {

struct Options {
  std::string host = "0.0.0.0";
  int port = 443;  // used only when init hands over no socket named "https"
  ConfigSource config_source = ConfigSource::attestd;
  SecretManagerOptions secret_manager;
  std::int64_t key_rotation_seconds = 24 * 3600;
  ProviderOptions provider;
  RouteOptions routes;
  std::size_t worker_threads = 16;  // for handlers that wait on PayPal
  // With --config-source=metadata: how often to look for a changed
  // configuration (attestd pushes its changes instead).
  std::chrono::seconds config_poll_seconds{30};
  // Local runs and benchmarks only: serve this pair instead of following acmed.
  std::string certificate_file;
  std::string private_key_file;
};

// The flags, name -> value (tests), or the whole command line (main).
common::Result<Options> parse_options(std::map<std::string, std::string> flags);
common::Result<Options> parse_command_line(int argc, char** argv);

inline constexpr std::string_view kUsage =
    "[--port=443] [--host=0.0.0.0] [--config-source=attestd|metadata]\n"
    "        [--secret-manager-url=https://secretmanager.googleapis.com]\n"
    "        [--key-rotation-seconds=86400] [--id-token-ttl-seconds=3600]\n"
    "        [--code-ttl-seconds=60] [--login-ttl-seconds=600]\n"
    "        [--rate-limit-burst=30] [--rate-limit-per-second=5] [--worker-threads=16]\n"
    "        [--paypal-timeout-ms=10000] [--config-poll-seconds=30]\n"
    "        [--certificate-file=CHAIN.pem --private-key-file=KEY.pem]\n";

}  // namespace authd
