#include "init/modules.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/log.hpp"

namespace init {
namespace {

// "/lib/modules/6.1/kernel/drivers/net/virtio_net.ko" -> "virtio_net"; the
// kernel names /sys/module/* with underscores where files may have dashes.
std::string module_name(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  if (const auto dot = name.find('.'); dot != std::string::npos) name.resize(dot);
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

bool present_in_kernel(const std::string& name) {
  struct stat info {};
  return stat(("/sys/module/" + name).c_str(), &info) == 0;
}

}  // namespace

common::Result<ModuleReport> load_kernel_modules(const std::string& list_file) {
  std::ifstream list(list_file);
  if (!list) {
    return common::fail(common::Error::Kind::environment,
                        "unable to read module list " + list_file);
  }
  ModuleReport report;
  std::string line;
  while (std::getline(list, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    const std::string path = line.substr(first, last - first + 1);
    const std::string name = module_name(path);
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (present_in_kernel(name)) {
        ++report.already;
        continue;
      }
      common::log::warning(common::log::Event{"module.open_failed"}, "unable to open kernel module",
                           {{"module", path}, {"reason", std::strerror(errno)}});
      ++report.failed;
      continue;
    }
    const long rc = syscall(SYS_finit_module, fd, "", 0);
    const int error = errno;
    close(fd);
    if (rc == 0) {
      ++report.loaded;
      common::log::debug(common::log::Event{"module.loaded"}, "kernel module loaded",
                         {{"module", name}});
    } else if (error == EEXIST) {
      ++report.already;
    } else {
      common::log::warning(common::log::Event{"module.load_failed"}, "unable to load kernel module",
                           {{"module", name}, {"reason", std::strerror(error)}});
      ++report.failed;
    }
  }
  return report;
}

}  // namespace init
