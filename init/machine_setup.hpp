#pragma once
// What init does as PID 1 besides supervising: the kernel modules from the
// image's list, the network (lo, then DHCP by the table's policy), and the
// ACPI power button, which may appear only after the modules load.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "init/dhcp_client.hpp"
#include "init/options.hpp"
#include "init/power.hpp"
#include "init/service_table.hpp"

namespace init {

// Loads the module list (--modules or the table's `set modules`) and logs the
// outcome; a missing list is logged, not fatal: the kernel may have it all.
void load_modules(const Options& options, const ServiceTable& table);

// Brings up lo and, by the table's policy, starts DHCP on the chosen
// interface; calls on_ready at the first lease (or at once without DHCP).
std::unique_ptr<dhcp::Client> start_network(boost::asio::io_context& io, const ServiceTable& table,
                                            std::function<void()> on_ready);

// Watches for the power button, rescanning /dev/input for a few seconds
// (devtmpfs creates the event devices shortly after the modules load).
class PowerButtonWatch {
 public:
  PowerButtonWatch(boost::asio::io_context& io, std::function<void()> on_press);

 private:
  void scan();
  PowerButton button_;
  boost::asio::steady_timer rescan_;
  int rescans_left_ = 10;
};

}  // namespace init
