#pragma once
// Runs the real trafficcop binary (black box) with a given command line and
// environment, stdout and stderr kept apart: the report line is on stdout,
// the JSON log lines on stderr.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trafficcop_test {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  // The report when stdout is exactly one JSON object line.
  std::optional<nlohmann::json> report() const;
};

// env: variables to set; GCE_METADATA_HOST is unset unless given, so that
// no test ever reaches a real metadata server.
RunResult run_trafficcop(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env = {});

}  // namespace trafficcop_test
