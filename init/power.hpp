#pragma once
// The end of the machine's life (PID 1 only) and the ACPI power button, which
// is how QEMU's system_powerdown and GCP's "stop" reach the guest: with the
// button and evdev modules loaded, the press arrives as KEY_POWER on one of
// the /dev/input/event* devices.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "init/service_table.hpp"

namespace init {

// Terminates every remaining process, syncs, and powers off or reboots.
// Never returns (if reboot(2) fails, PID 1 must still not exit).
[[noreturn]] void end_machine(FailurePolicy how);

// As PID 1, std::terminate (an exception that escaped, a throw from a
// noexcept function) would kill init and panic the kernel: the handler logs
// init.terminated with the exception's message and ends the machine per
// `how`. In any other process it logs and aborts as usual. The supervisor
// installs it for its lifetime.
void install_terminate_handler(FailurePolicy how);

// Ctrl-Alt-Del (and QEMU's sendkey) then sends SIGINT to PID 1, which stops
// the services in order, instead of an immediate reboot without sync.
void route_ctrl_alt_del_to_sigint();

class PowerButton {
 public:
  // Watches every event device that can report KEY_POWER; on_press runs on
  // the io_context's thread.
  PowerButton(boost::asio::io_context& io, std::function<void()> on_press);
  ~PowerButton();
  PowerButton(const PowerButton&) = delete;
  PowerButton& operator=(const PowerButton&) = delete;
  // Opens devices not watched yet; returns how many are watched.
  std::size_t scan();

  struct Device;

 private:
  boost::asio::io_context& io_;
  std::function<void()> on_press_;
  std::vector<std::shared_ptr<Device>> devices_;
};

}  // namespace init
