// authd: "Log in with PayPal" served as an OpenID Connect provider.
// main() is its table of contents: options, configuration, keys, TLS
// identity, HTTPS routes, the JWKS feed for attestd, acmed's certificate,
// live configuration changes, key rotation, readiness, run until SIGTERM.

#include <thread>

#include "authd/key_rotation.hpp"
#include "authd/options.hpp"
#include "authd/routes.hpp"
#include "authd/startup.hpp"
#include "common/certificate_follower.hpp"
#include "common/daemon.hpp"
#include "common/http_server.hpp"
#include "common/listen_fds.hpp"
#include "common/log.hpp"
#include "common/notify.hpp"

int main(int argc, char** argv) {
  using common::daemon::fail_start;
  common::log::set_component("authd");
  auto inherited = common::take_listen_fds();
  auto options = authd::parse_command_line(argc, argv);
  if (!options) {
    common::daemon::print_usage_error("authd", authd::kUsage, options.error());
    return common::daemon::exit_code(options.error());
  }
  auto loaded = authd::load_config_patiently(*options);
  if (!loaded) return fail_start("load the configuration", loaded.error());
  authd::log_config(common::log::Event{"config.loaded"}, "configuration loaded", loaded->config);
  authd::KeyRingOptions key_options{options->key_rotation_seconds,
                                    options->provider.id_token_ttl_seconds, 300};
  auto keys = authd::KeyRing::create(key_options, authd::system_clock_seconds());
  if (!keys) return fail_start("create the signing keys", keys.error());
  std::shared_ptr<authd::KeyRing> key_ring = std::move(*keys);
  auto certificates = std::make_shared<common::CertificateStore>();
  auto identity = authd::install_first_identity(*certificates, *options, loaded->config);
  if (!identity) return fail_start("install a TLS identity", identity.error());

  auto provider =
      std::make_shared<authd::Provider>(std::move(loaded->config), key_ring, options->provider);
  common::http::Router router;
  authd::install_routes(router, provider, options->routes);
  common::http::Server server(std::move(router), certificates,
                              {.worker_threads = options->worker_threads});
  auto fd = common::listen_fd_or_bind(inherited, "https", options->host, options->port);
  auto adopted = fd ? server.adopt(*fd) : std::unexpected(fd.error());
  if (!adopted) return fail_start("listen for https", adopted.error());

  boost::asio::io_context io;
  auto jwks = authd::KeyRotation::Publisher::start(io, common::contract::authd::jwks_feed);
  if (!jwks) return fail_start("serve the JWKS feed", jwks.error());
  authd::KeyRotation rotation(io, key_ring, **jwks, std::chrono::seconds(std::min<std::int64_t>(
                                                        60, key_options.rotation_seconds)));
  std::unique_ptr<common::ipc::Subscriber> acmed;
  if (options->certificate_file.empty()) {
    acmed = common::follow_acmed_certificate(io, certificates);
  }
  auto config_changes =
      authd::follow_config_changes(io, *options, std::move(loaded->inputs), provider);

  std::thread https([&server] { server.run(); });
  common::daemon::stop_on_signals(io, [&] {
    (void)common::notify::stopping();
    common::log::info(common::log::Event{"daemon.stopping"}, "stopping");
    server.stop();
    acmed.reset();
    config_changes.stop();
    (*jwks)->close();
    rotation.stop();
  });
  common::log::info(common::log::Event{"daemon.serving"}, "serving",
                    {{"port", common::local_port(*fd).value_or(-1)},
                     {"active_kid", key_ring->active_kid()}});
  (void)common::daemon::announce_ready();
  io.run();
  https.join();
  return 0;
}
