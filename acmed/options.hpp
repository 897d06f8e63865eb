#pragma once
// acmed's command line (every flag is --name=value):
//   --config-source=attestd|metadata   where the measured configuration comes
//                                      from (default attestd)
//   --http-host=ADDR --http-port=N     port-80 listener when init hands over no
//                                      "http" socket (default 0.0.0.0:80)
//   --retry-initial-ms=N --retry-max-ms=N      failure back-off (10 s .. 1 h)
//   --poll-initial-ms=N --order-timeout-seconds=N   order polling (250 ms, 300 s)
//   --ari-recheck-min-seconds=N        floor on renewalInfo Retry-After (60)
//   --config-poll-ms=N                 with --config-source=metadata, how often
//                                      to look for a changed configuration
//                                      (30000; attestd pushes its changes)

#include <map>
#include <string>
#include <string_view>

#include "acmed/renewer.hpp"
#include "common/error.hpp"

namespace acmed {

struct DaemonOptions {
  RenewerOptions renewer;
  std::string http_host = "0.0.0.0";
  int http_port = 80;
};

// The flags, name -> value (tests), or the whole command line (main).
common::Result<DaemonOptions> parse_options(std::map<std::string, std::string> flags);
common::Result<DaemonOptions> parse_command_line(int argc, char** argv);

inline constexpr std::string_view kUsage =
    "[--config-source=attestd|metadata] [--http-host=0.0.0.0] [--http-port=80]\n"
    "  [--retry-initial-ms=10000] [--retry-max-ms=3600000] [--poll-initial-ms=250]\n"
    "  [--order-timeout-seconds=300] [--ari-recheck-min-seconds=60] [--config-poll-ms=30000]\n";

}  // namespace acmed
