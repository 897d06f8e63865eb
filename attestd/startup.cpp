#include "attestd/startup.hpp"

#include "common/log.hpp"

namespace attestd {

std::unique_ptr<ConfigReader> config_reader_for(const Options& options) {
  return options.config_file.empty() ? metadata_config_reader({})
                                     : file_config_reader(options.config_file);
}

void load_saved_runtime_log(RuntimeConfig& runtime) {
  if (auto loaded = runtime.load_saved(); !loaded) {
    common::log::error(common::log::Event{"runtime_log.discarded"},
                       "unable to use the saved runtime log", {{"reason", loaded.error().message}});
  }
}

std::filesystem::path runtime_state_file(const Options& options) {
  return std::filesystem::path(options.state_dir) / "runtime_events.json";
}

}  // namespace attestd
