#include "authd/config_updates.hpp"

#include "common/log.hpp"

namespace authd {

ConfigUpdater::ConfigUpdater(ConfigSource source, SecretManagerOptions secret_manager,
                             ConfigInputs current, Apply apply, std::chrono::seconds poll_period,
                             common::MetadataOptions metadata)
    : source_(source),
      secret_manager_(std::move(secret_manager)),
      metadata_(std::move(metadata)),
      current_(std::move(current)),
      apply_(std::move(apply)),
      poll_period_(poll_period) {
  thread_ = std::thread([this] { run(); });
}

ConfigUpdater::~ConfigUpdater() {
  stop();
  if (thread_.joinable()) thread_.join();
}

void ConfigUpdater::offer(common::config::Values values) {
  {
    std::lock_guard lock(mutex_);
    offered_ = std::move(values);
  }
  wake_.notify_one();
}

void ConfigUpdater::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
}

void ConfigUpdater::run() {
  for (;;) {
    std::optional<common::config::Values> offered;
    {
      std::unique_lock lock(mutex_);
      auto ready = [this] { return stopping_ || offered_.has_value(); };
      bool woken = poll_period_.count() > 0 ? wake_.wait_for(lock, poll_period_, ready)
                                            : (wake_.wait(lock, ready), true);
      if (stopping_) return;
      if (woken) offered = std::exchange(offered_, std::nullopt);
    }
    consider(std::move(offered));
    ++rounds_;
  }
}

void ConfigUpdater::consider(std::optional<common::config::Values> offered) {
  auto inputs =
      offered ? inputs_from(std::move(*offered), metadata_) : load_inputs(source_, metadata_);
  if (!inputs) {
    // The source is down for a moment (or attestd sent nothing usable):
    // keep what is in force, try again next round.
    common::log::warning("unable to re-read the configuration, the current one stays in force",
                         {{"reason", inputs.error().message}});
    return;
  }
  if (*inputs == current_ || (refused_ && *inputs == *refused_)) return;
  auto config = resolve_config(*inputs, metadata_, secret_manager_);
  if (!config) {
    common::log::error("configuration update refused, the current one stays in force",
                       {{"reason", config.error().message}});
    // An invalid configuration is reported once; an unreachable secret is retried.
    if (config.error().kind != common::Error::Kind::environment) refused_ = *inputs;
    return;
  }
  log_config("configuration updated", *config);
  apply_(std::move(*config));
  current_ = std::move(*inputs);
  refused_.reset();
}

}  // namespace authd
