// init: PID 1 of the appliance, and the supervisor of its daemons.
//
// As PID 1 it mounts the kernel file systems, loads the image's modules,
// configures the network by DHCP and watches the power button; in every mode
// it supervises the service table. As PID 1 it never exits: after a stop
// request or a fatal error the machine is powered off (or rebooted, by the
// table's `set on-failure`). Otherwise it is an ordinary subreaper process
// (tests, local runs) that exits 0 after stopping, 100 on a bad table or
// usage, 111 on an environment failure.

#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>

#include "common/daemon.hpp"
#include "common/ipc_contracts.hpp"
#include "common/log.hpp"
#include "init/control.hpp"
#include "init/dhcp_client.hpp"
#include "init/modules.hpp"
#include "init/mounts.hpp"
#include "init/net_config.hpp"
#include "init/options.hpp"
#include "init/power.hpp"
#include "init/reaper.hpp"
#include "init/service_table.hpp"
#include "init/supervisor.hpp"

namespace {

namespace log = common::log;
using init::FailurePolicy;
using init::Options;

// Services wait this long for the first DHCP lease, then start anyway (they
// retry the metadata server themselves); a boot must not hang on a network.
constexpr auto kNetworkWait = std::chrono::seconds(30);

FailurePolicy g_failure_policy = FailurePolicy::poweroff;

[[noreturn]] void fatal(const Options& options, const common::Error& error, int exit_code) {
  log::critical("init failed", {{"reason", error.message}});
  if (options.pid1) init::end_machine(g_failure_policy);
  std::exit(exit_code);
}

int exit_code_for(const common::Error& error) {
  return error.kind == common::Error::Kind::invalid_input ? common::daemon::kExitPermanent
                                                          : common::daemon::kExitTemporary;
}

void load_modules(const Options& options, const init::ServiceTable& table) {
  const std::string list = options.modules_file.value_or(table.settings.modules_file);
  auto report = init::load_kernel_modules(list);
  if (!report) {
    log::warning("no kernel modules loaded", {{"reason", report.error().message}});
    return;
  }
  log::info("kernel modules", {{"loaded", report->loaded},
                               {"already_present", report->already},
                               {"failed", report->failed}});
}

// Brings up lo and, by the table's policy, starts DHCP on the chosen
// interface; calls on_ready at the first lease (or at once without DHCP).
std::unique_ptr<init::dhcp::Client> start_network(boost::asio::io_context& io,
                                                  const init::ServiceTable& table,
                                                  std::function<void()> on_ready) {
  if (auto up = init::net::link_up("lo"); !up) {
    log::error("unable to bring up lo", {{"reason", up.error().message}});
  }
  const auto& policy = table.settings.network;
  if (policy.mode == init::NetworkPolicy::Mode::none) {
    on_ready();
    return nullptr;
  }
  auto interface = policy.interface.empty() ? init::net::first_ethernet()
                                            : init::net::find_interface(policy.interface);
  if (!interface) {
    log::error("no network", {{"reason", interface.error().message}});
    on_ready();
    return nullptr;
  }
  init::net::ApplyOptions apply{table.settings.resolv_conf, /*set_hostname=*/true};
  auto client = std::make_unique<init::dhcp::Client>(
      io, *interface, apply, [on_ready](const init::dhcp::Lease&) { on_ready(); });
  if (auto started = client->start(); !started) {
    log::error("unable to start DHCP", {{"reason", started.error().message}});
    on_ready();
    return nullptr;
  }
  return client;
}

int supervise(const Options& options, const init::ServiceTable& table) {
  boost::asio::io_context io;
  init::Supervisor supervisor(io, table, common::contract::runtime_dir());
  init::Reaper reaper(io, [&supervisor](pid_t pid, int status) {
    if (!supervisor.child_exited(pid, status)) {
      log::debug("reaped orphan", {{"pid", pid}});
    }
  });
  if (!options.pid1 && !init::become_subreaper()) {
    log::warning("unable to become a subreaper: orphans will go to PID 1");
  }
  if (auto opened = supervisor.open(); !opened)
    fatal(options, opened.error(), exit_code_for(opened.error()));
  auto control = init::open_control_socket(io, supervisor);
  if (!control) fatal(options, control.error(), common::daemon::kExitTemporary);

  auto stop = [&] { supervisor.shutdown([&io] { io.stop(); }); };
  boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  stop_signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    log::notice("stop requested", {{"signal", signal}});
    stop();
  });
  std::unique_ptr<init::PowerButton> power_button;
  boost::asio::steady_timer button_rescan(io);
  int rescans_left = 10;
  std::function<void()> find_power_button = [&] {
    // devtmpfs creates /dev/input/event* shortly after the modules load.
    if (power_button->scan() > 0) return;
    if (--rescans_left == 0) return log::warning("no power button found");
    button_rescan.expires_after(std::chrono::seconds(1));
    button_rescan.async_wait([&](const boost::system::error_code& error) {
      if (!error) find_power_button();
    });
  };
  if (options.machine_setup) {
    power_button = std::make_unique<init::PowerButton>(io, stop);
    find_power_button();
  }

  bool services_started = false;
  auto start_services = [&] {
    if (services_started) return;
    services_started = true;
    supervisor.start_services();
  };
  std::unique_ptr<init::dhcp::Client> dhcp;
  boost::asio::steady_timer network_wait(io);
  if (options.network) {
    dhcp = start_network(io, table, start_services);
    network_wait.expires_after(kNetworkWait);
    network_wait.async_wait([&](const boost::system::error_code& error) {
      if (error || services_started) return;
      log::warning("no DHCP lease yet: starting services anyway");
      start_services();
    });
  } else {
    start_services();
  }
  reaper.reap();  // anything that exited before the SIGCHLD handler existed
  io.run();
  log::notice("all services stopped");
  (*control)->close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  log::set_component("init");
  const bool is_pid1 = getpid() == 1;
  auto options = init::parse_options(argc, argv, is_pid1);
  if (!options) {
    log::critical("usage", {{"reason", options.error().message}});
    if (is_pid1) init::end_machine(FailurePolicy::poweroff);
    return common::daemon::kExitPermanent;
  }
  // A service's closed socket must cost init an error value, never its life.
  signal(SIGPIPE, SIG_IGN);
  if (options->machine_setup) {
    if (auto mounted = init::mount_filesystems(); !mounted) fatal(*options, mounted.error(), 111);
    init::attach_console();
    init::route_ctrl_alt_del_to_sigint();
  }
  auto table = init::load_service_table(options->services_file);
  if (!table) fatal(*options, table.error(), exit_code_for(table.error()));
  g_failure_policy = table->settings.on_failure;
  if (options->machine_setup) load_modules(*options, *table);
  try {
    const int code = supervise(*options, *table);
    if (options->pid1) init::end_machine(FailurePolicy::poweroff);
    return code;
  } catch (const std::exception& e) {
    fatal(*options, {common::Error::Kind::internal, e.what()}, common::daemon::kExitTemporary);
  }
}
