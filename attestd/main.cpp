// attestd: TPM quotes over HTTPS with the live TLS key and authd's JWKS bound
// in, and the measured runtime configuration for the other daemons. main()
// is its table of contents; flags in options.hpp and docs/attestation.md.

#include <stdlib.h>

#include <atomic>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "attestd/config_measurer.hpp"
#include "attestd/http_api.hpp"
#include "attestd/options.hpp"
#include "attestd/peer_links.hpp"
#include "attestd/startup.hpp"
#include "common/daemon.hpp"
#include "common/http_server.hpp"
#include "common/listen_fds.hpp"
#include "common/log.hpp"
#include "common/notify.hpp"

int main(int argc, char** argv) {
  using common::daemon::fail_start;
  common::log::set_component("attestd");
  // tpm2-tss logs every NV index a TPM lacks; our JSON lines say what matters.
  setenv("TSS2_LOG", "all+none", 0);
  auto options = attestd::parse_command_line(argc, argv);
  if (!options) {
    common::daemon::print_usage_error("attestd", attestd::kUsage, options.error());
    return common::daemon::exit_code(options.error());
  }
  const attestd::Options& o = *options;
  auto inherited = common::take_listen_fds();
  auto certificates = std::make_shared<common::CertificateStore>();
  auto bootstrap = common::daemon::install_bootstrap_identity(*certificates, {o.tls_name},
                                                              std::chrono::hours(24 * 365));
  if (!bootstrap) return fail_start("create the bootstrap TLS identity", bootstrap.error());
  attestd::Attester attester(o.tcti);
  attestd::RuntimeConfig runtime(attester, o.config_pcr, attestd::runtime_state_file(o));
  attestd::load_saved_runtime_log(runtime);
  attester.set_on_connect([&runtime] { return runtime.reconcile(); });
  attestd::BindingState bindings(certificates);
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  attestd::PeerLinks peers(io, certificates, bindings);
  if (auto started = peers.start(); !started) return fail_start("serve IPC", started.error());
  attestd::ConfigMeasurer measurer(
      attestd::config_reader_for(o), runtime,
      [&peers](const common::contract::MeasuredConfig& config) { peers.publish_config(config); },
      std::chrono::seconds(o.config_poll_seconds));
  common::http::Router router;
  attestd::install_http_api(router, attester, runtime, bindings, {.event_log = o.event_log});
  common::http::Server server(std::move(router), certificates);
  auto fd = common::listen_fd_or_bind(inherited, "attest", o.host, o.port);
  auto adopted = fd ? server.adopt(*fd) : std::unexpected(fd.error());
  if (!adopted) return fail_start("listen for https", adopted.error());
  std::atomic<bool> stopping = false;
  std::thread https([&] {
    server.run();
    if (!stopping) io.stop();  // the server failed: exit so that init restarts us
  });
  measurer.start();
  common::daemon::stop_on_signals(io, [&] {
    stopping = true;
    (void)common::notify::stopping();
    server.stop();
    measurer.stop();
    peers.stop();
    work.reset();
  });
  io.run();
  server.stop();
  https.join();
  return stopping ? 0 : common::daemon::kExitTemporary;
}
