// acmed: ACME certificates for the appliance's domain, issued and renewed
// unattended, handed to authd and attestd over IPC. Threads: the io_context
// (IPC, signals, attestd's config.updated), the port-80 responder, and the
// renewal worker, which alone acts on configuration changes.

#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "acmed/certificate_handoff.hpp"
#include "acmed/challenge_book.hpp"
#include "acmed/config_inbox.hpp"
#include "acmed/http01_responder.hpp"
#include "acmed/options.hpp"
#include "acmed/renewer.hpp"
#include "acmed/stop_signal.hpp"
#include "common/config_source.hpp"
#include "common/daemon.hpp"
#include "common/listen_fds.hpp"
#include "common/log.hpp"
#include "common/metadata.hpp"
#include "common/notify.hpp"

int main(int argc, char** argv) {
  using common::daemon::fail_start;
  common::log::set_component("acmed");
  auto options = acmed::parse_command_line(argc, argv);
  if (!options) {
    common::daemon::print_usage_error("acmed", acmed::kUsage, options.error());
    return common::daemon::exit_code(options.error());
  }
  boost::asio::io_context io;
  auto inherited = common::take_listen_fds();
  auto http_fd =
      common::listen_fd_or_bind(inherited, "http", options->http_host, options->http_port);
  if (!http_fd) return fail_start("listen for http-01", http_fd.error());
  acmed::ChallengeBook book;
  acmed::Http01Responder responder(book);
  if (auto started = responder.start(*http_fd); !started) {
    return fail_start("start the http-01 responder", started.error());
  }
  auto handoff = acmed::CertificateHandoff::start(io);
  if (!handoff) return fail_start("serve the certificate feed", handoff.error());

  acmed::StopSignal stop;
  acmed::ConfigInbox inbox(stop);
  common::MetadataClient metadata;
  acmed::Renewer renewer(options->renewer, metadata, book, responder, **handoff, stop, inbox);
  std::thread worker([&renewer] { renewer.run(); });
  // attestd re-measures changed metadata and pushes config.updated; the
  // metadata source is polled by the worker instead.
  std::unique_ptr<common::ipc::Subscriber> config_follower;
  if (options->renewer.config_source == acmed::ConfigSource::attestd) {
    config_follower = common::config::follow_attestd(
        io, acmed::config_keys(),
        [&inbox](common::config::Values values) { inbox.offer(std::move(values)); });
  }
  common::daemon::stop_on_signals(io, [&] {
    (void)common::notify::stopping();
    stop.request();
    io.stop();
  });
  (void)common::daemon::announce_ready();
  common::log::info(common::log::Event{"daemon.serving"}, "serving",
                    {{"http_port", common::local_port(*http_fd).value_or(-1)}});
  io.run();
  config_follower.reset();
  stop.request();
  worker.join();
  responder.stop();
  (*handoff)->close();
  return 0;
}
