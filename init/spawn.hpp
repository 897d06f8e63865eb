#pragma once
// Starting one service process: a fresh session, stdin from /dev/null,
// stdout+stderr into init's capture pipe, the listening sockets at fd 3..,
// every other descriptor closed, then (when init is root) the service's own
// uid/gid with no capabilities, and no_new_privs in every case.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "init/service_table.hpp"

namespace init {

struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
};

struct SpawnRequest {
  std::vector<std::string> argv;           // argv[0] is an absolute path
  std::vector<std::string> environment;    // KEY=VALUE, without LISTEN_*
  std::optional<Credentials> credentials;  // nullopt: keep init's
  std::vector<int> listen_fds;             // become fds 3, 4, ...
  std::vector<std::string> listen_names;   // LISTEN_FDNAMES
  int output_fd = -1;                      // becomes fds 1 and 2
  std::vector<LimitSpec> limits;           // setrlimit before dropping privileges
};

// Returns the child's pid once it has exec'd; an exec or setup failure in the
// child comes back as an error naming the step ("unable to setuid: ...").
common::Result<pid_t> spawn_service(const SpawnRequest& request);

// Resolves "name" or a number through the passwd/group databases.
common::Result<Credentials> resolve_credentials(const std::string& user, const std::string& group);

}  // namespace init
