#pragma once
// Runs the real init binary as a subreaper over a service table written by
// the test, in a private runtime directory, and reads what it printed.
// "@FAKE@" in a table stands for the fake_service program, "@DIR@" for the
// test's directory.

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/ipc_client.hpp"
#include "common/ipc_contracts.hpp"
#include "fixtures/process.hpp"

namespace init_test {

inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

class InitHarness {
 public:
  explicit InitHarness(const std::string& table, std::vector<std::string> extra_args = {}) {
    // Services may run as another user: they must reach files in here.
    chmod(dir_.path().c_str(), 0755);
    services_ = dir_.path() / "services.conf";
    std::ofstream(services_) << replace_all(replace_all(table, "@FAKE@", FAKE_SERVICE), "@DIR@",
                                            dir_.path().string());
    log_ = dir_.path() / "init.log";
    std::vector<std::string> argv = {fixtures::project_binary("init").string(),
                                     "--services=" + services_.string(), "--no-pid1-setup"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<fixtures::Process>(fixtures::ProcessOptions{
        argv,
        {{"APPLIANCE_RUN_DIR", dir_.path().string()}, {"APPLIANCE_LOG_LEVEL", "debug"}},
        log_,
        {}});
  }

  fixtures::Process& process() { return *process_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::string log() const { return process_->log(); }

  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(log());
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  // Index of the first line containing every needle, or -1.
  int find_line(const std::vector<std::string>& needles, int from = 0) const {
    const auto all = lines();
    for (int i = from; i < static_cast<int>(all.size()); ++i) {
      bool match = true;
      for (const auto& needle : needles) match = match && all[i].find(needle) != std::string::npos;
      if (match) return i;
    }
    return -1;
  }

  bool wait_line(const std::vector<std::string>& needles,
                 std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    return fixtures::wait_until([&] { return find_line(needles) >= 0; }, timeout);
  }

  std::string control_socket() const {
    return (dir_.path() / common::contract::init::socket).string();
  }

  common::Result<common::json> call(std::string_view method,
                                    const common::json& params = common::json::object()) const {
    auto client = common::ipc::Client::connect(control_socket());
    if (!client) return std::unexpected(client.error());
    return client->call(method, params);
  }

  // The status entry of one service (null when unavailable).
  common::json service_status(const std::string& name) const {
    auto status = call(common::contract::init::status);
    if (!status) return nullptr;
    for (const auto& entry : (*status)["services"]) {
      if (entry["name"] == name) return entry;
    }
    return nullptr;
  }

 private:
  fixtures::TempDir dir_;
  std::filesystem::path services_;
  std::filesystem::path log_;
  std::unique_ptr<fixtures::Process> process_;
};

}  // namespace init_test
