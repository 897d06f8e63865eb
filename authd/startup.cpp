#include "authd/startup.hpp"

#include <chrono>
#include <thread>

#include "authd/certificate_files.hpp"
#include "common/backoff.hpp"
#include "common/daemon.hpp"
#include "common/log.hpp"
#include "common/metadata.hpp"

namespace authd {

common::Result<LoadedConfig> load_config_patiently(const Options& options) {
  common::MetadataClient metadata;
  common::Backoff backoff(std::chrono::milliseconds(200), std::chrono::seconds(10));
  for (;;) {
    auto inputs = load_inputs(options.config_source, metadata);
    auto config = inputs ? resolve_config(*inputs, metadata, options.secret_manager)
                         : std::unexpected(inputs.error());
    // Marked with the secret in force, so that a versions/latest rotation in
    // the moments before the first re-read is still seen as a change.
    if (config) return LoadedConfig{in_force(std::move(*inputs), *config), std::move(*config)};
    if (config.error().kind != common::Error::Kind::environment || backoff.attempts() >= 30) {
      return std::unexpected(config.error());
    }
    common::log::warning(common::log::Event{"config.unavailable"},
                         "unable to load the configuration yet",
                         {{"reason", config.error().message}});
    std::this_thread::sleep_for(backoff.next());
  }
}

common::Status install_first_identity(common::CertificateStore& store, const Options& options,
                                      const Config& config) {
  if (!options.certificate_file.empty()) {
    return install_certificate_files(store, options.certificate_file, options.private_key_file);
  }
  return common::daemon::install_bootstrap_identity(store, {config.domain},
                                                    std::chrono::hours(24 * 90));
}

ConfigFollowing follow_config_changes(boost::asio::io_context& io, const Options& options,
                                      ConfigInputs current, std::shared_ptr<Provider> provider) {
  const bool from_attestd = options.config_source == ConfigSource::attestd;
  ConfigFollowing following;
  following.updater = std::make_unique<ConfigUpdater>(
      options.config_source, options.secret_manager, std::move(current),
      [provider](Config changed) { provider->apply(std::move(changed)); },
      from_attestd ? std::chrono::seconds(0) : options.config_poll_seconds);
  if (from_attestd) {
    following.attestd = common::config::follow_attestd(
        io, config_keys(), [updater = following.updater.get()](common::config::Values values) {
          updater->offer(std::move(values));
        });
  }
  return following;
}

void ConfigFollowing::stop() {
  attestd.reset();
  if (updater) updater->stop();
}

}  // namespace authd
