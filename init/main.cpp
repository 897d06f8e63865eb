// init: PID 1 of the appliance, and the supervisor of its daemons.
//
// As PID 1 it mounts the kernel file systems, loads the image's modules,
// configures the network by DHCP and watches the power button; in every mode
// it supervises the service table. As PID 1 it never exits: after a stop
// request or a fatal error the machine is powered off (or rebooted, by the
// table's `set on-failure`). Otherwise it is an ordinary subreaper process
// (tests, local runs) that exits 0 after stopping, else as
// common::daemon::exit_code says (100 permanent, 111 temporary).

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>

#include "common/daemon.hpp"
#include "common/log.hpp"
#include "init/machine_setup.hpp"
#include "init/mounts.hpp"
#include "init/options.hpp"
#include "init/power.hpp"
#include "init/service_table.hpp"
#include "init/supervision.hpp"

namespace {

init::FailurePolicy g_failure_policy = init::FailurePolicy::poweroff;

[[noreturn]] void fatal(const init::Options& options, std::string_view step,
                        const common::Error& error) {
  const int code = common::daemon::fail_start(step, error);
  if (options.pid1) init::end_machine(g_failure_policy);
  std::exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  common::log::set_component("init");
  const bool is_pid1 = getpid() == 1;
  // From the first moment: an escaped exception powers off in order instead
  // of killing PID 1 (the supervisor re-installs it with the table's policy).
  init::install_terminate_handler(init::FailurePolicy::poweroff);
  auto options = init::parse_options(argc, argv, is_pid1);
  if (!options) {
    common::daemon::fail_start("parse the command line", options.error());
    if (is_pid1) init::end_machine(init::FailurePolicy::poweroff);
    return common::daemon::exit_code(options.error());
  }
  // A service's closed socket must cost init an error value, never its life.
  signal(SIGPIPE, SIG_IGN);
  if (options->machine_setup) {
    if (auto mounted = init::mount_filesystems(); !mounted) {
      fatal(*options, "mount the kernel file systems", mounted.error());
    }
    init::attach_console();
    init::route_ctrl_alt_del_to_sigint();
  }
  auto table = init::load_service_table(options->services_file);
  if (!table) fatal(*options, "load the service table", table.error());
  g_failure_policy = table->settings.on_failure;
  if (options->machine_setup) init::load_modules(*options, *table);
  try {
    auto supervised = init::supervise(*options, *table);
    if (!supervised) fatal(*options, "supervise the services", supervised.error());
    if (options->pid1) init::end_machine(init::FailurePolicy::poweroff);
    return 0;
  } catch (const std::exception& e) {
    fatal(*options, "supervise the services", {common::Error::Kind::internal, e.what()});
  }
}
