#pragma once
// Listening sockets handed over by init, systemd style: LISTEN_PID must equal
// our pid, LISTEN_FDS counts descriptors from fd 3, LISTEN_FDNAMES names them
// (colon-separated). init binds 80/443/8443 itself, so the daemons need no
// privilege and a restarting daemon refuses no connection.

#include <map>
#include <string>

#include "common/error.hpp"

namespace common {

// name -> fd. Takes the variables out of the environment (so that children
// do not inherit them) and marks the descriptors close-on-exec.
std::map<std::string, int> take_listen_fds();

// The inherited socket named `name`, else a fresh TCP listener on host:port.
Result<int> listen_fd_or_bind(const std::map<std::string, int>& inherited, const std::string& name,
                              const std::string& host, int port);

// Binds and listens (SO_REUSEADDR, CLOEXEC); port 0 picks a free port.
Result<int> bind_tcp_listener(const std::string& host, int port, int backlog = 1024);
// The port a bound socket listens on.
Result<int> local_port(int fd);

}  // namespace common
