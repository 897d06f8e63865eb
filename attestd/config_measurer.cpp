#include "attestd/config_measurer.hpp"

#include "common/backoff.hpp"
#include "common/log.hpp"

namespace attestd {

ConfigMeasurer::ConfigMeasurer(std::unique_ptr<ConfigReader> source, RuntimeConfig& runtime,
                               Publish publish, std::chrono::seconds poll_interval)
    : source_(std::move(source)),
      runtime_(runtime),
      publish_(std::move(publish)),
      poll_interval_(poll_interval) {}

ConfigMeasurer::~ConfigMeasurer() { stop(); }

void ConfigMeasurer::start() {
  thread_ = std::thread([this] { run(); });
}

void ConfigMeasurer::stop() {
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ConfigMeasurer::wait(std::chrono::milliseconds delay) {
  std::unique_lock guard(mutex_);
  return !wake_.wait_for(guard, delay, [this] { return stopping_; });
}

void ConfigMeasurer::run() {
  common::Backoff backoff(std::chrono::milliseconds(200), std::chrono::seconds(10));
  bool first = true;
  while (true) {
    auto values = source_->fetch();
    common::Result<bool> measured =
        values ? runtime_.measure(*values) : std::unexpected(values.error());
    std::chrono::milliseconds delay;
    if (!measured) {
      common::log::warning(common::log::Event{"config.unmeasured"}, "unable to measure the configuration yet",
                           {{"reason", measured.error().message}});
      delay = backoff.next();
    } else {
      backoff.reset();
      if (*measured || first) {
        if (auto config = runtime_.served_config()) publish_(*config);
      }
      first = false;
      if (poll_interval_.count() == 0) return;  // measure once
      delay = poll_interval_;
    }
    if (!wait(delay)) return;
  }
}

}  // namespace attestd
