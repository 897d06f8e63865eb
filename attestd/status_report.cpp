#include "attestd/status_report.hpp"

#include <condition_variable>

namespace attestd {

StatusReport::StatusReport(Compose compose, std::chrono::milliseconds period)
    : compose_(std::move(compose)) {
  refresh();
  refresher_ = std::jthread([this, period](std::stop_token stop) {
    std::mutex sleep_mutex;
    std::condition_variable_any wake;
    std::unique_lock sleeping(sleep_mutex);
    for (;;) {
      // Nothing notifies `wake`: it sleeps one period, or until stopped.
      wake.wait_for(sleeping, stop, period, [] { return false; });
      if (stop.stop_requested()) return;
      refresh();
    }
  });
}

StatusReport::Snapshot StatusReport::latest() const {
  std::lock_guard guard(mutex_);
  return latest_;
}

void StatusReport::refresh() {
  auto body = std::make_shared<const std::string>(common::dump_json(compose_(), 2) + "\n");
  const auto now = Clock::now();
  std::lock_guard guard(mutex_);
  latest_ = {std::move(body), now};
}

}  // namespace attestd
