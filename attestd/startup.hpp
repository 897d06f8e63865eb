#pragma once
// The pieces of attestd's start that depend on its options: where the
// configuration is read from, and the runtime log an earlier attestd of this
// boot left behind.

#include <memory>

#include "attestd/options.hpp"
#include "attestd/runtime_config.hpp"

namespace attestd {

// The metadata server, or --config-file for local runs.
std::unique_ptr<ConfigReader> config_reader_for(const Options& options);

// Loads the runtime log left in --state-dir by an earlier attestd of this boot
// (init restarted it), so that the configuration PCR stays explained; a log
// that cannot be read is logged and ignored (reconcile() then re-measures).
void load_saved_runtime_log(RuntimeConfig& runtime);

std::filesystem::path runtime_state_file(const Options& options);

}  // namespace attestd
