#pragma once
// Configuration changes while authd runs. attestd re-measures changed
// metadata and publishes config.updated (main() forwards each one here with
// offer()); with --config-source=metadata this re-reads the metadata server
// every poll period instead. Each round happens on this class's own thread,
// so the HTTPS workers and the IPC thread never wait for the metadata server
// or Secret Manager: re-read the PayPal secret, build and validate the whole
// new Config, and only then hand it to `apply` (Provider::apply swaps it in
// at once). A round whose inputs equal the configuration in force does
// nothing; an invalid one is logged with its reason and the old
// configuration stays in force.
//
// A Secret Manager reference that does not name a fixed version
// (`versions/latest`, or an alias) names whatever version is newest: it is
// re-read every `secret_refresh`, whatever the source, and a new secret is
// applied like any other change (issue 12 item 8).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "authd/config_loader.hpp"

namespace authd {

class ConfigUpdater {
 public:
  using Apply = std::function<void(Config)>;

  // `current`: the inputs of the configuration authd started with (best
  // marked with in_force(), so that a rotation of a `versions/latest` secret
  // right after start is not taken for the secret in force).
  // poll_period 0: only offered values are considered.
  ConfigUpdater(ConfigSource source, SecretManagerOptions secret_manager, ConfigInputs current,
                Apply apply, std::chrono::seconds poll_period,
                common::MetadataOptions metadata = {},
                std::chrono::seconds secret_refresh = std::chrono::minutes(5));
  ~ConfigUpdater();
  ConfigUpdater(const ConfigUpdater&) = delete;
  ConfigUpdater& operator=(const ConfigUpdater&) = delete;

  // Values attestd measured (any thread). When rounds pile up, the latest wins.
  void offer(common::config::Values values);
  void stop();
  // Rounds finished so far, whatever their outcome (lets tests wait for one).
  // A re-read of a `versions/latest` secret is a round too.
  std::size_t rounds() const { return rounds_.load(); }

 private:
  void run();
  // One round; `offered` empty: read the source.
  void consider(std::optional<common::config::Values> offered);
  // Re-reads a secret reference that follows the newest version.
  void refresh_secret();
  void apply(Config config, ConfigInputs inputs);

  ConfigSource source_;
  SecretManagerOptions secret_manager_;
  common::MetadataClient metadata_;
  ConfigInputs current_;
  std::optional<ConfigInputs> refused_;  // the last invalid inputs, logged once
  Apply apply_;
  std::chrono::seconds poll_period_;
  std::chrono::seconds secret_refresh_;
  std::string secret_in_force_;  // SHA-256; empty until first read

  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<common::config::Values> offered_;
  bool stopping_ = false;
  std::atomic<std::size_t> rounds_{0};
  std::thread thread_;
};

}  // namespace authd
