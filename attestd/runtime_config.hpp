#pragma once
// The measured runtime configuration: every value in
// contract::attestd::measured_keys is extended into the configuration PCR
// (default 15: no firmware, shim, kernel stub or systemd-stub measures there)
// before anyone can read it through config.get, and each measurement is
// logged (verify/runtime_log.hpp) so that a verifier can replay the PCR.
//
// The log lives in RAM and in a state file under /run (tmpfs), so that an
// attestd restarted by init within one boot still explains the PCR; after a
// TPM reset (the PCR reads zero again) the logged events are re-extended.

#include <filesystem>
#include <mutex>
#include <optional>
#include <vector>

#include "common/error.hpp"
#include "common/ipc_contracts.hpp"
#include "common/json.hpp"
#include "common/metadata.hpp"
#include "attestd/attester.hpp"
#include "attestd/verify/runtime_log.hpp"

namespace attestd {

// Where the values come from: the metadata server (instance attribute, then
// project attribute) or, for local runs and tests, a JSON file.
class ConfigReader {
 public:
  virtual ~ConfigReader() = default;
  // Every measured key -> value, nullopt when absent. Environment errors
  // (server unreachable) mean "try again later".
  virtual common::Result<attest::ConfigValues> fetch() = 0;
};
std::unique_ptr<ConfigReader> metadata_config_reader(common::MetadataOptions options);
std::unique_ptr<ConfigReader> file_config_reader(std::filesystem::path path);

class RuntimeConfig {
 public:
  RuntimeConfig(Attester& attester, unsigned pcr, std::filesystem::path state_file);

  // Reads the state file left by an earlier attestd of this boot, if any.
  common::Status load_saved();
  // Run from the Attester's on-connect hook (TPM lock held): brings the
  // PCR and the log into agreement, or reports that they cannot agree.
  common::Status reconcile();
  // Measures every value that differs from the last logged one. Returns
  // whether anything was extended.
  common::Result<bool> measure(const attest::ConfigValues& values);

  common::json log_json() const;
  // The present keys and their values; nullopt until measured.
  std::optional<common::contract::MeasuredConfig> served_config() const;
  common::json status() const;
  unsigned pcr() const { return pcr_; }
  // Whether every measured key has been measured once (evidence is served only then).
  bool measured() const;

 private:
  common::Status save() const;
  attest::ConfigValues current_locked() const;

  Attester& attester_;
  unsigned pcr_;
  std::filesystem::path state_file_;
  mutable std::mutex mutex_;  // guards the fields below; writers also hold the TPM lock
  std::vector<attest::RuntimeEvent> events_;
  bool measured_ = false;
  bool consistent_ = true;
};

}  // namespace attestd
