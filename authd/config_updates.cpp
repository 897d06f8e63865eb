#include "authd/config_updates.hpp"

#include <charconv>
#include <optional>
#include <string_view>

#include "common/crypto.hpp"
#include "common/log.hpp"

namespace authd {
namespace {

using common::log::Event;
using Clock = std::chrono::steady_clock;

// The Secret Manager name the secret is read from ("ref:" + the name), if it
// comes from Secret Manager: a name, which says where the secret is, never
// what it is, and so may be logged.
std::optional<std::string_view> secret_reference(const std::string& secret_origin) {
  constexpr std::string_view kRef = "ref:";
  if (!secret_origin.starts_with(kRef)) return std::nullopt;
  return std::string_view(secret_origin).substr(kRef.size());
}

// ".../versions/latest" (or an alias) follows the newest version; a numbered
// version never changes.
bool follows_newest_version(const std::string& secret_origin) {
  const auto name = secret_reference(secret_origin);
  if (!name) return false;
  const std::string_view version = name->substr(name->rfind('/') + 1);
  return version.empty() || version.find_first_not_of("0123456789") != std::string_view::npos;
}

}  // namespace

ConfigUpdater::ConfigUpdater(ConfigSource source, SecretManagerOptions secret_manager,
                             ConfigInputs current, Apply apply, std::chrono::seconds poll_period,
                             common::MetadataOptions metadata, std::chrono::seconds secret_refresh)
    : source_(source),
      secret_manager_(std::move(secret_manager)),
      metadata_(std::move(metadata)),
      current_(std::move(current)),
      apply_(std::move(apply)),
      poll_period_(poll_period),
      secret_refresh_(secret_refresh),
      secret_in_force_(current_.secret_sha256) {
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
  auto next_poll = Clock::now() + poll_period_;
  // Without the digest of the secret in force, the first read learns it.
  auto next_secret = Clock::now() + (secret_in_force_.empty() ? Clock::duration::zero()
                                                              : Clock::duration(secret_refresh_));
  for (;;) {
    std::optional<common::config::Values> offered;
    const bool polling = poll_period_.count() > 0;
    const bool refreshing = follows_newest_version(current_.secret_origin);
    {
      std::unique_lock lock(mutex_);
      auto ready = [this] { return stopping_ || offered_.has_value(); };
      if (polling || refreshing) {
        auto wake_at = polling && refreshing ? std::min(next_poll, next_secret)
                                             : (polling ? next_poll : next_secret);
        wake_.wait_until(lock, wake_at, ready);
      } else {
        wake_.wait(lock, ready);
      }
      if (stopping_) return;
      offered = std::exchange(offered_, std::nullopt);
    }
    const auto now = Clock::now();
    if (offered) {
      consider(std::move(offered));
    } else if (polling && now >= next_poll) {
      consider(std::nullopt);
      next_poll = now + poll_period_;
    } else if (refreshing && now >= next_secret) {
      refresh_secret();
      next_secret = now + secret_refresh_;
    } else {
      continue;  // woken early
    }
    ++rounds_;
  }
}

void ConfigUpdater::consider(std::optional<common::config::Values> offered) {
  auto inputs =
      offered ? inputs_from(std::move(*offered), metadata_) : load_inputs(source_, metadata_);
  if (!inputs) {
    // The source is down for a moment (or attestd sent nothing usable):
    // keep what is in force, try again next round.
    common::log::warning(Event{"config.unreadable"}, "unable to read configuration",
                         {{"reason", inputs.error().message}});
    return;
  }
  if (*inputs == current_ || (refused_ && *inputs == *refused_)) return;
  auto config = resolve_config(*inputs, metadata_, secret_manager_);
  if (!config) {
    common::log::error(Event{"config.rejected"}, "unable to apply configuration",
                       {{"reason", config.error().message}});
    // An invalid configuration is reported once; an unreachable secret is retried.
    if (config.error().kind != common::Error::Kind::environment) refused_ = *inputs;
    return;
  }
  apply(std::move(*config), std::move(*inputs));
}

void ConfigUpdater::refresh_secret() {
  auto config = resolve_config(current_, metadata_, secret_manager_);
  if (!config) {
    common::log::warning(Event{"secret.unreadable"}, "unable to read PayPal client secret",
                         {{"reason", config.error().message}});
    return;
  }
  const std::string digest = common::crypto::sha256(config->paypal_client_secret);
  if (secret_in_force_.empty()) secret_in_force_ = digest;
  if (digest == secret_in_force_) return;
  common::log::notice(Event{"secret.rotated"}, "PayPal client secret changed",
                      {{"secret", secret_reference(current_.secret_origin).value_or("")}});
  apply(std::move(*config), current_);
}

void ConfigUpdater::apply(Config config, ConfigInputs inputs) {
  log_config(Event{"config.updated"}, "configuration updated", config);
  secret_in_force_ = common::crypto::sha256(config.paypal_client_secret);
  apply_(std::move(config));
  current_ = std::move(inputs);
  refused_.reset();
}

}  // namespace authd
