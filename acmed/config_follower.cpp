#include "acmed/config_follower.hpp"

#include "common/backoff.hpp"
#include "common/log.hpp"

namespace acmed {
namespace {

namespace log = common::log;
using log::Event;

// What the log says about a configuration: never the EAB secret.
void log_config(log::Severity severity, Event event, std::string_view message, const Config& config,
                const ConfigChange* change) {
  if (change != nullptr) {
    log::write(severity, event, message,
               {{"changed", change->changed()},
                {"new_order", change->needs_new_order()},
                {"domains", config.domains},
                {"directory", config.directory_url},
                {"profile", config.profile},
                {"preferred_issuer", config.preferred_issuer},
                {"eab", config.eab.has_value()},
                {"extra_ca", !config.ca_pem.empty()}});
    return;
  }
  log::write(severity, event, message,
             {{"domains", config.domains},
              {"directory", config.directory_url},
              {"profile", config.profile},
              {"preferred_issuer", config.preferred_issuer},
              {"eab", config.eab.has_value()},
              {"extra_ca", !config.ca_pem.empty()}});
}

}  // namespace

ConfigFollower::ConfigFollower(FollowerOptions options, const common::MetadataClient& metadata,
                               ConfigInbox& inbox, StopSignal& stop)
    : options_(options), metadata_(metadata), inbox_(inbox), stop_(stop) {}

bool ConfigFollower::load() {
  common::Backoff backoff(options_.retry_initial, options_.retry_max);
  for (;;) {
    auto config = load_config(options_.source, metadata_);
    if (config) {
      config_ = std::move(*config);
      break;
    }
    const auto delay = backoff.next();
    log::error(Event{"config.load_failed"}, "unable to load the configuration",
               {{"reason", config.error().message},
                {"retry_in_ms", static_cast<long long>(delay.count())}});
    if (!stop_.wait_for(delay)) return false;
  }
  next_poll_ = std::chrono::steady_clock::now() + options_.poll;
  log_config(log::Severity::info, Event{"config.loaded"}, "configuration loaded", config_, nullptr);
  return true;
}

std::optional<std::chrono::steady_clock::time_point> ConfigFollower::next_poll() const {
  if (options_.source != ConfigSource::metadata) return std::nullopt;
  return next_poll_;
}

std::optional<ConfigChange> ConfigFollower::next_change() {
  bool pushed = false;
  auto values = arrived(pushed);
  if (!values) return std::nullopt;
  return adopt(*values, pushed);
}

// What attestd pushed, else (metadata source) a poll when one is due.
std::optional<common::config::Values> ConfigFollower::arrived(bool& pushed) {
  auto values = inbox_.take();
  pushed = values.has_value();
  if (values || options_.source != ConfigSource::metadata ||
      std::chrono::steady_clock::now() < next_poll_) {
    return values;
  }
  auto polled = common::config::load_values(ConfigSource::metadata, metadata_, config_keys());
  next_poll_ = std::chrono::steady_clock::now() + options_.poll;
  if (!polled) {
    log::warning(Event{"config.read_failed"}, "unable to read the configuration",
                 {{"reason", polled.error().message}});
    return std::nullopt;
  }
  return std::move(*polled);
}

std::optional<ConfigChange> ConfigFollower::adopt(const common::config::Values& values,
                                                  bool pushed) {
  auto config = config_with_secret(values, metadata_);
  if (!config) {
    // Polling sees the same bad value again and again: say it once.
    if (config.error().message != last_rejected_) {
      log::error(Event{"config.rejected"}, "unable to use the new configuration",
                 {{"reason", config.error().message}});
      last_rejected_ = config.error().message;
    }
    return std::nullopt;
  }
  last_rejected_.clear();
  const ConfigChange change = compare_configs(config_, *config);
  if (!change.any()) {
    // attestd pushes rarely (a reconnection, a re-measurement): say that it
    // was seen. Polls say nothing, or the log would be all polls.
    if (pushed) log::info(Event{"config.unchanged"}, "configuration unchanged");
    return std::nullopt;
  }
  config_ = std::move(*config);
  log_config(log::Severity::notice, Event{"config.changed"}, "configuration changed", config_,
             &change);
  return change;
}

}  // namespace acmed
