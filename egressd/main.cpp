// egressd: the in-appliance egress budget (issue 15, docs/traffic-cop.md).
// Counts the bytes the machine sends on its external interface this month
// (UTC), keeps the count in TPM NV across reboots, warns at each threshold
// and, at the cap, asks init to power the machine off in order. Serves
// egress.status to attestd. One io_context thread does everything.

#include <stdlib.h>

#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "common/config_source.hpp"
#include "common/daemon.hpp"
#include "common/log.hpp"
#include "common/notify.hpp"
#include "egressd/config.hpp"
#include "egressd/enforcer.hpp"
#include "egressd/nv_store.hpp"
#include "egressd/options.hpp"
#include "egressd/power_off.hpp"
#include "egressd/status_server.hpp"

namespace {

using common::log::Event;

std::chrono::sys_seconds now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace

int main(int argc, char** argv) {
  common::log::set_component("egressd");
  setenv("TSS2_LOG", "all+none", 0);  // our JSON lines say what matters
  auto options = egressd::parse_options(argc, argv);
  if (!options) {
    common::daemon::print_usage_error("egressd", egressd::usage(), options.error());
    return common::daemon::kExitPermanent;
  }

  boost::asio::io_context io;
  std::unique_ptr<egressd::NvStore> store;
  if (options->tcti != "none") {
    store = std::make_unique<egressd::NvStore>(options->tcti, options->nv_index);
  }
  egressd::Enforcer enforcer(io, options->enforcer, std::move(store), egressd::request_power_off,
                             now);
  auto server = egressd::serve_status(io, enforcer);
  if (!server) {
    common::log::critical(Event{"daemon.start_failed"}, "unable to serve egress.status",
                          {{"reason", server.error().message}});
    return common::daemon::exit_code(server.error());
  }
  auto config = common::config::follow_attestd(
      io, egressd::kConfigKeys,
      [&enforcer](common::config::Values values) { enforcer.on_config(values); });
  enforcer.start();

  common::daemon::stop_on_signals(io, [&] {
    common::log::info(Event{"daemon.stopping"}, "stopping");
    (void)common::notify::stopping();
    config.reset();
    enforcer.stop();
    (*server)->close();
    io.stop();
  });
  (void)common::daemon::announce_ready();
  common::log::info(Event{"daemon.serving"}, "serving", {{"tcti", options->tcti}});
  io.run();
  return 0;
}
