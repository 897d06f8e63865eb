#include "init/supervision.hpp"

#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "common/ipc_contracts.hpp"
#include "common/log.hpp"
#include "init/control.hpp"
#include "init/machine_setup.hpp"
#include "init/reaper.hpp"
#include "init/supervisor.hpp"

namespace init {
namespace {

namespace log = common::log;
using log::Event;

// Services wait this long for the first DHCP lease, then start anyway (they
// retry the metadata server themselves); a boot must not hang on a network.
constexpr auto kNetworkWait = std::chrono::seconds(30);

// Starts the services once: at the first lease, or when the wait runs out.
class ServiceStart {
 public:
  ServiceStart(boost::asio::io_context& io, Supervisor& supervisor)
      : supervisor_(supervisor), wait_(io) {}
  void now() {
    if (started_) return;
    started_ = true;
    supervisor_.start_services();
  }
  void at_latest_after(std::chrono::seconds wait) {
    wait_.expires_after(wait);
    wait_.async_wait([this](const boost::system::error_code& error) {
      if (error || started_) return;
      log::warning(Event{"dhcp.no_lease"}, "starting services without a DHCP lease");
      now();
    });
  }

 private:
  Supervisor& supervisor_;
  boost::asio::steady_timer wait_;
  bool started_ = false;
};

}  // namespace

common::Status supervise(const Options& options, const ServiceTable& table) {
  boost::asio::io_context io;
  Supervisor supervisor(io, table, common::contract::runtime_dir());
  Reaper reaper(io, [&supervisor](pid_t pid, int status) {
    if (!supervisor.child_exited(pid, status)) {
      log::debug(Event{"process.orphan_reaped"}, "reaped an orphan", {{"pid", pid}});
    }
  });
  if (!options.pid1 && !become_subreaper()) {
    log::warning(Event{"init.not_subreaper"}, "unable to become a subreaper");
  }
  if (auto opened = supervisor.open(); !opened) return opened;
  auto control = open_control_socket(io, supervisor);
  if (!control) return std::unexpected(control.error());

  auto stop = [&] { supervisor.shutdown([&io] { io.stop(); }); };
  boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  stop_signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    log::notice(Event{"init.stop_requested"}, "stop requested", {{"signal", signal}});
    stop();
  });
  std::unique_ptr<PowerButtonWatch> power_button;
  if (options.machine_setup) power_button = std::make_unique<PowerButtonWatch>(io, stop);

  ServiceStart start(io, supervisor);
  std::unique_ptr<dhcp::Client> dhcp;
  if (options.network) {
    dhcp = start_network(io, table, [&start] { start.now(); });
    start.at_latest_after(kNetworkWait);
  } else {
    start.now();
  }
  reaper.reap();  // anything that exited before the SIGCHLD handler existed
  io.run();
  log::notice(Event{"init.services_stopped"}, "all services stopped");
  (*control)->close();
  return {};
}

}  // namespace init
