// acmed: ACME certificates for the appliance's domain, issued and renewed
// unattended, handed to authd and attestd over IPC. Threads: the io_context
// (IPC, signals, attestd's config.updated), the port-80 responder, and the
// renewal worker, which alone acts on configuration changes.

#include <cstdio>
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
#include "common/ipc_contracts.hpp"
#include "common/listen_fds.hpp"
#include "common/log.hpp"
#include "common/metadata.hpp"
#include "common/notify.hpp"

namespace {

namespace contract = common::contract;
using common::daemon::kExitPermanent;
using common::daemon::kExitTemporary;

int fatal(int code, std::string_view message, const common::Error& error) {
  common::log::critical(message, {{"error", error.message}});
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  common::log::set_component("acmed");
  auto flags = common::daemon::parse_flags(argc, argv);
  if (!flags) return fatal(kExitPermanent, "unable to start", flags.error());
  auto options = acmed::parse_options(*flags);
  if (!options) return fatal(kExitPermanent, "unable to start", options.error());

  boost::asio::io_context io;
  auto inherited = common::take_listen_fds();
  auto http_fd =
      common::listen_fd_or_bind(inherited, "http", options->http_host, options->http_port);
  if (!http_fd) return fatal(kExitTemporary, "unable to listen for http-01", http_fd.error());

  acmed::ChallengeBook book;
  acmed::Http01Responder responder(book);
  if (auto started = responder.start(*http_fd); !started) {
    return fatal(kExitTemporary, "unable to start the http-01 responder", started.error());
  }
  auto handoff =
      acmed::CertificateHandoff::start(io, contract::socket_path(contract::acmed::socket),
                                       contract::allowed_uids(contract::acmed::callers));
  if (!handoff) return fatal(kExitTemporary, "unable to serve the certificate", handoff.error());

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
    common::log::info("stopping");
    (void)common::notify::stopping();
    stop.request();
    io.stop();
  });
  (void)common::notify::ready();
  common::log::info("acmed ready", {{"http_port", common::local_port(*http_fd).value_or(-1)},
                                    {"socket", contract::socket_path(contract::acmed::socket)}});
  io.run();

  config_follower.reset();
  stop.request();
  worker.join();
  responder.stop();
  (*handoff)->close();
  return 0;
}
