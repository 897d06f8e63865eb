#pragma once
// Hands configurations from where they arrive (attestd's config.updated on the
// io thread) to the renewal worker, which alone acts on them. Only the latest
// one matters: an offer replaces one not yet taken. Each offer wakes the
// worker from its wait.

#include <mutex>
#include <optional>
#include <utility>

#include "acmed/stop_signal.hpp"
#include "common/config_source.hpp"

namespace acmed {

class ConfigInbox {
 public:
  explicit ConfigInbox(StopSignal& wake) : wake_(wake) {}

  void offer(common::config::Values values) {
    {
      std::lock_guard lock(mutex_);
      pending_ = std::move(values);
    }
    wake_.wake();
  }
  std::optional<common::config::Values> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(pending_, std::nullopt);
  }

 private:
  StopSignal& wake_;
  std::mutex mutex_;
  std::optional<common::config::Values> pending_;
};

}  // namespace acmed
