#pragma once
// Follows acmed's configuration for the renewal worker, so that the renewer
// only renews: the first load (retried until valid), then attestd's pushes
// (through the ConfigInbox) or polls of the metadata server, each completed
// with the EAB secret, validated and compared with the current one. What a
// change means is compare_configs()'s to say; acting on it is the renewer's.

#include <chrono>
#include <optional>
#include <string>

#include "acmed/config.hpp"
#include "acmed/config_change.hpp"
#include "acmed/config_inbox.hpp"
#include "acmed/stop_signal.hpp"
#include "common/metadata.hpp"

namespace acmed {

struct FollowerOptions {
  ConfigSource source = ConfigSource::attestd;
  std::chrono::milliseconds poll{30000};  // metadata source only
  std::chrono::milliseconds retry_initial{10000};
  std::chrono::milliseconds retry_max{3600000};
};

class ConfigFollower {
 public:
  ConfigFollower(FollowerOptions options, const common::MetadataClient& metadata,
                 ConfigInbox& inbox, StopSignal& stop);

  // Loads the configuration, retrying with back-off until it is valid; false
  // when a stop came first.
  bool load();
  // Adopts a configuration that arrived (pushed, or found by a poll that is
  // due) when it is valid and differs; returns what changed. An invalid one
  // is logged once and ignored; the current one stays.
  std::optional<ConfigChange> next_change();
  const Config& config() const { return config_; }
  // When the next poll is due (metadata source only).
  std::optional<std::chrono::steady_clock::time_point> next_poll() const;

 private:
  std::optional<common::config::Values> arrived(bool& pushed);
  std::optional<ConfigChange> adopt(const common::config::Values& values, bool pushed);

  FollowerOptions options_;
  const common::MetadataClient& metadata_;
  ConfigInbox& inbox_;
  StopSignal& stop_;
  Config config_;
  std::chrono::steady_clock::time_point next_poll_;
  std::string last_rejected_;  // the reason a configuration was last ignored
};

}  // namespace acmed
