#include "init/machine_setup.hpp"

#include "common/log.hpp"
#include "init/modules.hpp"
#include "init/net_config.hpp"

namespace init {

namespace log = common::log;
using log::Event;

void load_modules(const Options& options, const ServiceTable& table) {
  const std::string list = options.modules_file.value_or(table.settings.modules_file);
  auto report = load_kernel_modules(list);
  if (!report) {
    log::warning(Event{"modules.unloaded"}, "unable to load kernel modules",
                 {{"reason", report.error().message}});
    return;
  }
  log::info(Event{"modules.loaded"}, "kernel modules loaded",
            {{"loaded", report->loaded},
             {"already_present", report->already},
             {"failed", report->failed}});
}

std::unique_ptr<dhcp::Client> start_network(boost::asio::io_context& io, const ServiceTable& table,
                                            std::function<void()> on_ready) {
  if (auto up = net::link_up("lo"); !up) {
    log::error(Event{"network.loopback_down"}, "unable to bring up lo",
               {{"reason", up.error().message}});
  }
  const auto& policy = table.settings.network;
  if (policy.mode == NetworkPolicy::Mode::none) {
    on_ready();
    return nullptr;
  }
  auto interface = policy.interface.empty() ? net::first_ethernet()
                                            : net::find_interface(policy.interface);
  if (!interface) {
    log::error(Event{"network.no_interface"}, "unable to find a network interface",
               {{"reason", interface.error().message}});
    on_ready();
    return nullptr;
  }
  net::ApplyOptions apply{table.settings.resolv_conf, /*set_hostname=*/true};
  auto client = std::make_unique<dhcp::Client>(
      io, *interface, apply, [on_ready](const dhcp::Lease&) { on_ready(); });
  if (auto started = client->start(); !started) {
    log::error(Event{"dhcp.start_failed"}, "unable to start DHCP",
               {{"reason", started.error().message}});
    on_ready();
    return nullptr;
  }
  return client;
}

PowerButtonWatch::PowerButtonWatch(boost::asio::io_context& io, std::function<void()> on_press)
    : button_(io, std::move(on_press)), rescan_(io) {
  scan();
}

void PowerButtonWatch::scan() {
  if (button_.scan() > 0) return;
  if (--rescans_left_ == 0) {
    log::warning(Event{"power_button.missing"}, "unable to find a power button");
    return;
  }
  rescan_.expires_after(std::chrono::seconds(1));
  rescan_.async_wait([this](const boost::system::error_code& error) {
    if (!error) scan();
  });
}

}  // namespace init
