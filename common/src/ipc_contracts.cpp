#include "common/ipc_contracts.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace common::contract {

std::string runtime_dir() {
  const char* dir = std::getenv("APPLIANCE_RUN_DIR");
  return (dir != nullptr && *dir != '\0') ? std::string(dir) : std::string("/run");
}

std::string socket_path(std::string_view relative) {
  return runtime_dir() + "/" + std::string(relative);
}

std::vector<uid_t> allowed_uids(std::span<const std::string_view> callers) {
  std::vector<uid_t> uids;
  for (std::string_view name : callers) {
    // getpwnam_r: servers may start on threads other than main.
    std::string user(name);
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> scratch(16384);
    if (getpwnam_r(user.c_str(), &entry, scratch.data(), scratch.size(), &found) == 0 &&
        found != nullptr) {
      uids.push_back(found->pw_uid);
    }
  }
  // Our own uid: on a development machine everything runs as one user.
  uids.push_back(::getuid());
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

}  // namespace common::contract
