#include "init/mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

namespace init {
namespace {

struct MountPoint {
  const char* source;
  const char* target;
  const char* type;
  unsigned long flags;
  const char* data;
};

constexpr unsigned long kNoExecSuid = MS_NOSUID | MS_NODEV | MS_NOEXEC;

// Order matters: /sys before securityfs below it.
constexpr std::array<MountPoint, 6> kMounts = {{
    {"proc", "/proc", "proc", kNoExecSuid, nullptr},
    {"sysfs", "/sys", "sysfs", kNoExecSuid, nullptr},
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755"},
    {"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"},
    {"tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
    {"securityfs", "/sys/kernel/security", "securityfs", kNoExecSuid, nullptr},
}};

}  // namespace

common::Status mount_filesystems() {
  for (const auto& m : kMounts) {
    if (mkdir(m.target, 0755) < 0 && errno != EEXIST) {
      return common::fail(
          common::Error::Kind::environment,
          std::string("unable to create ") + m.target + ": " + std::strerror(errno));
    }
    if (mount(m.source, m.target, m.type, m.flags, m.data) < 0 && errno != EBUSY) {
      return common::fail(common::Error::Kind::environment, std::string("unable to mount ") +
                                                                m.type + " on " + m.target + ": " +
                                                                std::strerror(errno));
    }
  }
  return {};
}

void attach_console() {
  if (fcntl(2, F_GETFD) >= 0) return;
  const int fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0) return;
  for (int target = 0; target <= 2; ++target) {
    if (fd != target) dup2(fd, target);
  }
  if (fd > 2) close(fd);
}

}  // namespace init
