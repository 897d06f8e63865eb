#include "run_trafficcop.hpp"

#include <chrono>

#include "common/json.hpp"
#include "fixtures/process.hpp"

namespace trafficcop_test {

std::optional<nlohmann::json> RunResult::report() const {
  if (out.empty() || out.back() != '\n' || out.find('\n') != out.size() - 1) return std::nullopt;
  auto parsed = common::parse_json(out);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return *parsed;
}

RunResult run_trafficcop(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env) {
  fixtures::TempDir dir;
  const auto err_file = dir.path() / "stderr";
  // run_command merges the two streams; a shell sends stderr to a file
  // (by "$0", so that no path is ever parsed as shell text).
  std::vector<std::string> argv = {"env"};
  if (!env.contains("GCE_METADATA_HOST")) argv.insert(argv.end(), {"-u", "GCE_METADATA_HOST"});
  for (const auto& [name, value] : env) argv.push_back(name + "=" + value);
  argv.insert(argv.end(), {"/bin/sh", "-c", "exec \"$@\" 2>\"$0\"", err_file.string(),
                           fixtures::project_binary("trafficcop").string()});
  argv.insert(argv.end(), args.begin(), args.end());
  // Bounded: the slowest test (retries against a closed port) takes seconds.
  auto result = fixtures::run_command(argv, std::chrono::seconds(60));
  RunResult run;
  run.exit_code = result.exit_code;
  run.out = std::move(result.output);
  run.err = fixtures::read_file(err_file);
  return run;
}

}  // namespace trafficcop_test
