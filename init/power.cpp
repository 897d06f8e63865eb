#include "init/power.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <set>
#include <string>
#include <thread>

#include "common/log.hpp"

namespace init {

[[noreturn]] void end_machine(FailurePolicy how) {
  common::log::notice(common::log::Event{how == FailurePolicy::reboot ? "machine.rebooting"
                                                                      : "machine.powering_off"},
                      how == FailurePolicy::reboot ? "rebooting" : "powering off");
  sync();
  // Whatever the services left behind (orphans, stragglers) gets a chance
  // to exit, then is killed; waiting is bounded by polling waitpid.
  kill(-1, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (waitpid(-1, nullptr, WNOHANG) < 0) break;  // ECHILD: nobody left
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(-1, SIGKILL);
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  sync();
  reboot(how == FailurePolicy::reboot ? RB_AUTOBOOT : RB_POWER_OFF);
  common::log::critical(common::log::Event{"machine.halted"}, "unable to end the machine",
                        {{"reason", std::string("reboot(2): ") + std::strerror(errno)}});
  for (;;) pause();
}

namespace {

std::atomic<FailurePolicy> g_terminate_policy{FailurePolicy::poweroff};

std::string current_exception_text() {
  const auto current = std::current_exception();
  if (!current) return "std::terminate called without an exception";
  try {
    std::rethrow_exception(current);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception of unknown type";
  }
}

[[noreturn]] void on_terminate() {
  common::log::critical(common::log::Event{"init.terminated"}, "unable to continue supervising",
                        {{"reason", current_exception_text()}, {"pid1", getpid() == 1}});
  if (getpid() == 1) end_machine(g_terminate_policy.load());
  std::abort();
}

}  // namespace

void install_terminate_handler(FailurePolicy how) {
  g_terminate_policy = how;
  std::set_terminate(on_terminate);
}

void route_ctrl_alt_del_to_sigint() {
  if (reboot(RB_DISABLE_CAD) < 0) {
    common::log::warning(common::log::Event{"machine.ctrl_alt_del_kept"},
                         "unable to disable Ctrl-Alt-Del reboot",
                         {{"reason", std::strerror(errno)}});
  }
}

struct PowerButton::Device : std::enable_shared_from_this<PowerButton::Device> {
  Device(boost::asio::io_context& io, int fd, std::string p, std::function<void()>& press)
      : stream(io, fd), path(std::move(p)), on_press(press) {}

  void read() {
    stream.async_read_some(
        boost::asio::buffer(events),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t n) {
          if (error) return;  // device gone: stop watching it
          for (std::size_t i = 0; i < n / sizeof(input_event); ++i) {
            const input_event& e = self->events[i];
            if (e.type == EV_KEY && e.code == KEY_POWER && e.value == 1) {
              common::log::notice(common::log::Event{"power_button.pressed"},
                                  "power button pressed", {{"device", self->path}});
              self->on_press();
            }
          }
          self->read();
        });
  }

  boost::asio::posix::stream_descriptor stream;
  std::string path;
  std::function<void()>& on_press;
  std::array<input_event, 16> events{};
};

PowerButton::PowerButton(boost::asio::io_context& io, std::function<void()> on_press)
    : io_(io), on_press_(std::move(on_press)) {}

PowerButton::~PowerButton() {
  for (auto& device : devices_) {
    boost::system::error_code ignored;
    device->stream.close(ignored);
  }
}

std::size_t PowerButton::scan() {
  std::set<std::string> watched;
  for (const auto& device : devices_) watched.insert(device->path);
  DIR* dir = opendir("/dev/input");
  if (dir == nullptr) return devices_.size();
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (!name.starts_with("event")) continue;
    const std::string path = "/dev/input/" + name;
    if (watched.contains(path)) continue;
    const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    std::array<unsigned char, KEY_MAX / 8 + 1> keys{};
    const bool has_power = ioctl(fd, EVIOCGBIT(EV_KEY, keys.size()), keys.data()) >= 0 &&
                           (keys[KEY_POWER / 8] & (1U << (KEY_POWER % 8))) != 0;
    if (!has_power) {
      close(fd);
      continue;
    }
    auto device = std::make_shared<Device>(io_, fd, path, on_press_);
    device->read();
    devices_.push_back(device);
    common::log::info(common::log::Event{"power_button.watched"}, "watching power button",
                      {{"device", path}});
  }
  closedir(dir);
  return devices_.size();
}

}  // namespace init
