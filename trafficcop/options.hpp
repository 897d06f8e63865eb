#pragma once
// trafficcop's command line, a contract (operators and schedulers call it):
//   trafficcop --project=ID --zone=ZONE --instance=NAME --cap-bytes=N [--dry-run]
//              [--credentials=KEY.json] [--monitoring-endpoint=URL]
//              [--compute-endpoint=URL] [--token-endpoint=URL]
// A flag that is missing, unknown or malformed is a usage error (exit 100).

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace trafficcop {

inline constexpr std::string_view kMonitoringEndpoint = "https://monitoring.googleapis.com";
inline constexpr std::string_view kComputeEndpoint = "https://compute.googleapis.com";
inline constexpr std::string_view kTokenEndpoint = "https://oauth2.googleapis.com/token";

struct Options {
  std::string project;
  std::string zone;
  std::string instance;
  std::uint64_t cap_bytes = 0;
  bool dry_run = false;
  bool help = false;
  std::string credentials{};  // a service-account key file; empty: the metadata server
  std::string monitoring_endpoint{kMonitoringEndpoint};
  std::string compute_endpoint{kComputeEndpoint};
  // Empty: the key file's token_uri, else kTokenEndpoint (what Google's libraries do).
  std::string token_endpoint{};
};

common::Result<Options> parse_options(int argc, char** argv);
// Where a bearer token or a signed assertion may go: HTTPS, or plain HTTP to
// this machine only (tests, local proxies), never in clear over a network.
bool valid_endpoint(std::string_view url);
std::string_view usage();

}  // namespace trafficcop
