// authd: "Log in with PayPal" served as an OpenID Connect provider.
// main() reads like its table of contents: flags, configuration, keys, TLS
// identity, HTTPS routes, IPC for attestd, acmed's certificate, live
// configuration changes, key rotation, readiness, run until SIGTERM.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <iostream>
#include <thread>

#include <boost/asio/steady_timer.hpp>

#include "authd/certificate_feed.hpp"
#include "common/backoff.hpp"
#include "common/daemon.hpp"
#include "common/http_server.hpp"
#include "common/listen_fds.hpp"
#include "common/log.hpp"
#include "common/metadata.hpp"
#include "common/notify.hpp"
#include "authd/config_loader.hpp"
#include "authd/config_updates.hpp"
#include "authd/jwks_publisher.hpp"
#include "authd/key_ring.hpp"
#include "authd/options.hpp"
#include "authd/provider.hpp"
#include "authd/routes.hpp"

namespace {

using common::daemon::kExitPermanent;
using common::daemon::kExitTemporary;

struct LoadedConfig {
  authd::ConfigInputs inputs;  // what it was made from, to recognise changes
  authd::Config config;
};

// The configuration, retrying while its source is not up yet (attestd starts
// alongside us); a configuration that is wrong is permanent.
common::Result<LoadedConfig> load_config_patiently(const authd::Options& options) {
  common::MetadataClient metadata;
  common::Backoff backoff(std::chrono::milliseconds(200), std::chrono::seconds(10));
  for (;;) {
    auto inputs = authd::load_inputs(options.config_source, metadata);
    auto config = inputs ? authd::resolve_config(*inputs, metadata, options.secret_manager)
                         : std::unexpected(inputs.error());
    if (config) return LoadedConfig{std::move(*inputs), std::move(*config)};
    if (config.error().kind != common::Error::Kind::environment || backoff.attempts() >= 30) {
      return std::unexpected(config.error());
    }
    common::log::warning("configuration not available yet, retrying",
                         {{"reason", config.error().message}});
    std::this_thread::sleep_for(backoff.next());
  }
}

// Rotates the signing key when due and tells attestd.
void schedule_rotation(boost::asio::steady_timer& timer, std::shared_ptr<authd::KeyRing> keys,
                       authd::JwksPublisher* publisher, std::chrono::seconds period) {
  timer.expires_after(period);
  timer.async_wait([&timer, keys, publisher, period](const boost::system::error_code& ec) {
    if (ec) return;
    auto changed = keys->maintain(authd::system_clock_seconds());
    if (!changed) {
      common::log::error("key rotation failed", {{"reason", changed.error().message}});
    } else if (*changed) {
      common::log::notice("signing keys changed",
                          {{"active_kid", keys->active_kid()}, {"keys", keys->key_count()}});
      publisher->announce_rotation();
    }
    schedule_rotation(timer, keys, publisher, period);
  });
}

}  // namespace

int main(int argc, char** argv) {
  common::log::set_component("authd");
  auto inherited = common::take_listen_fds();
  auto flags = common::daemon::parse_flags(argc, argv);
  auto options = flags ? authd::parse_options(*flags) : std::unexpected(flags.error());
  if (!options) {
    std::cerr << options.error().message << "\n" << authd::kUsage;
    return kExitPermanent;
  }

  auto loaded = load_config_patiently(*options);
  if (!loaded) {
    common::log::critical("unable to load configuration", {{"reason", loaded.error().message}});
    return loaded.error().kind == common::Error::Kind::environment ? kExitTemporary
                                                                   : kExitPermanent;
  }
  authd::Config* config = &loaded->config;
  authd::log_config("configuration loaded", *config);

  authd::KeyRingOptions key_options{options->key_rotation_seconds,
                                    options->provider.id_token_ttl_seconds, 300};
  auto keys = authd::KeyRing::create(key_options, authd::system_clock_seconds());
  if (!keys) {
    common::log::critical("unable to create signing keys", {{"reason", keys.error().message}});
    return kExitTemporary;
  }
  std::shared_ptr<authd::KeyRing> key_ring = std::move(*keys);

  auto certificates = std::make_shared<common::CertificateStore>();
  const bool fixed_certificate = !options->certificate_file.empty();
  auto installed = fixed_certificate
                       ? authd::install_certificate_files(*certificates, options->certificate_file,
                                                          options->private_key_file)
                       : authd::install_bootstrap_certificate(*certificates, config->domain);
  if (!installed) {
    common::log::critical("unable to install a TLS certificate",
                          {{"reason", installed.error().message}});
    return fixed_certificate ? kExitPermanent : kExitTemporary;
  }

  common::http::ServerOptions server_options;
  server_options.worker_threads = options->worker_threads;
  auto provider =
      std::make_shared<authd::Provider>(std::move(*config), key_ring, options->provider);
  common::http::Router router;
  authd::install_routes(router, provider, options->routes);
  common::http::Server server(std::move(router), certificates, server_options);
  auto fd = common::listen_fd_or_bind(inherited, "https", options->host, options->port);
  if (!fd) {
    common::log::critical("unable to listen", {{"reason", fd.error().message}});
    return kExitTemporary;
  }
  if (auto adopted = server.adopt(*fd); !adopted) {
    common::log::critical("unable to listen", {{"reason", adopted.error().message}});
    return kExitTemporary;
  }

  boost::asio::io_context io;
  auto publisher = authd::JwksPublisher::start(io, key_ring);
  if (!publisher) {
    common::log::critical("unable to serve IPC", {{"reason", publisher.error().message}});
    return kExitTemporary;
  }
  std::unique_ptr<common::ipc::Subscriber> acmed;
  if (!fixed_certificate) acmed = authd::follow_acmed(io, certificates);
  // Configuration changes apply live (config_updates.hpp): attestd pushes
  // them; with the metadata server as the source, authd looks every so often.
  const bool from_attestd = options->config_source == authd::ConfigSource::attestd;
  authd::ConfigUpdater updater(
      options->config_source, options->secret_manager, std::move(loaded->inputs),
      [provider](authd::Config changed) { provider->apply(std::move(changed)); },
      from_attestd ? std::chrono::seconds(0) : options->config_poll_seconds);
  std::unique_ptr<common::ipc::Subscriber> attestd;
  if (from_attestd) {
    attestd = common::config::follow_attestd(
        io, authd::config_keys(),
        [&updater](common::config::Values values) { updater.offer(std::move(values)); });
  }
  boost::asio::steady_timer rotation(io);
  schedule_rotation(rotation, key_ring, publisher->get(),
                    std::chrono::seconds(std::min<std::int64_t>(60, key_options.rotation_seconds)));

  std::thread https([&server] { server.run(); });
  common::daemon::stop_on_signals(io, [&] {
    (void)common::notify::stopping();
    common::log::info("stopping");
    server.stop();
    if (acmed) acmed->stop();
    if (attestd) attestd->stop();
    updater.stop();
    (*publisher)->close();
    rotation.cancel();
  });
  auto port = common::local_port(*fd);
  common::log::info("serving",
                    {{"port", port ? *port : -1}, {"active_kid", key_ring->active_kid()}});
  (void)common::notify::ready();
  io.run();
  https.join();
  return 0;
}
