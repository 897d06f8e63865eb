#pragma once
// The steps of authd's start that are more than one call: the configuration
// (waiting for attestd, which starts alongside), the first TLS identity, and
// following configuration changes.

#include <memory>

#include <boost/asio/io_context.hpp>

#include "authd/config.hpp"
#include "authd/config_updates.hpp"
#include "authd/config_loader.hpp"
#include "authd/options.hpp"
#include "authd/provider.hpp"
#include "common/ipc_client.hpp"
#include "common/error.hpp"
#include "common/tls_identity.hpp"

namespace authd {

struct LoadedConfig {
  ConfigInputs inputs;  // what it was made from, to recognise changes
  Config config;
};

// The configuration, retrying while its source is not up yet; a
// configuration that is wrong is a permanent error at once.
common::Result<LoadedConfig> load_config_patiently(const Options& options);

// The pair from --certificate-file/--private-key-file, or else a bootstrap
// self-signed identity for the domain until acmed's certificate arrives.
common::Status install_first_identity(common::CertificateStore& store, const Options& options,
                                      const Config& config);

// Live configuration changes (config_updates.hpp) applied to `provider`:
// pushed by attestd, or polled from the metadata server with
// --config-source=metadata.
struct ConfigFollowing {
  std::unique_ptr<ConfigUpdater> updater;
  std::unique_ptr<common::ipc::Subscriber> attestd;  // null when polling
  void stop();
};
ConfigFollowing follow_config_changes(boost::asio::io_context& io, const Options& options,
                                      ConfigInputs current, std::shared_ptr<Provider> provider);

}  // namespace authd
