#pragma once
// The declarative service table: a line-oriented text file (see docs/init.md)
// parsed into plain structs. A broken table is an error naming the line
// ("services.conf:12: unknown keyword 'exce'"), never a half-parsed table.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace init {

enum class Readiness { none, notify };
enum class RestartPolicy { always, on_failure, never };
enum class FailurePolicy { poweroff, reboot };

// A TCP listening socket init binds and hands to the service (LISTEN_FDS).
struct ListenSpec {
  std::string name;  // LISTEN_FDNAMES entry
  std::string host;
  int port = 0;
};

// Access to a device or file given to the service's user before each start:
// chown to the service's uid:gid and chmod 0400 (read) or 0600 (read-write).
struct GrantSpec {
  std::string path;
  bool write = false;
};

// A file copied before each start to a destination owned by the service's
// user (mode 0400): for files whose owner cannot or should not change.
struct CopySpec {
  std::string source;
  std::string destination;
};

// A resource limit set before exec (setrlimit), e.g. `limit nofile 1024 4096`.
struct LimitSpec {
  int resource = 0;  // RLIMIT_*
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;  // RLIM_INFINITY for "infinity"
};

struct ServiceSpec {
  std::string name;
  int line = 0;  // of the "service" line, for messages about the whole block
  std::vector<std::string> argv;
  std::string user;                      // empty: init's own user
  std::string group;                     // empty: the user's primary group
  std::vector<std::string> environment;  // KEY=VALUE
  std::vector<std::string> pass;         // names copied from init's environment
  std::vector<std::string> after;        // dependencies: start once these are ready
  Readiness readiness = Readiness::none;
  // notify only: not READY=1 within this long → stopped and restarted as a
  // failure (a daemon hung at start must not hold its dependents forever).
  // Zero: wait forever.
  std::chrono::milliseconds ready_timeout{0};
  RestartPolicy restart = RestartPolicy::always;
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{60000};
  std::chrono::milliseconds stable{30000};  // running this long resets the back-off
  int stop_signal = 15;                     // SIGTERM
  std::chrono::milliseconds stop_timeout{10000};
  std::vector<ListenSpec> sockets;
  std::vector<GrantSpec> grants;
  std::vector<CopySpec> copies;
  std::vector<std::string> run_dirs;  // created under the runtime dir, owned by the user
  std::vector<LimitSpec> limits;
};

struct NetworkPolicy {
  enum class Mode { none, dhcp };
  Mode mode = Mode::dhcp;
  std::string interface;  // empty: the first Ethernet interface
};

struct GlobalSettings {
  std::string modules_file = "/etc/appliance/modules.list";
  NetworkPolicy network;
  FailurePolicy on_failure = FailurePolicy::poweroff;
  std::string resolv_conf = "/etc/resolv.conf";
  // From a stop request to the end, whatever is still running (a process in
  // uninterruptible sleep survives even SIGKILL): then init powers off
  // regardless, as s6-linux-init does. Longer than the stop timeouts of the
  // longest dependency chain.
  std::chrono::milliseconds stop_deadline{60000};
};

struct ServiceTable {
  GlobalSettings settings;
  std::vector<ServiceSpec> services;  // in dependency order (dependencies first)
};

// file_name only labels error messages.
common::Result<ServiceTable> parse_service_table(std::string_view text, std::string_view file_name);
common::Result<ServiceTable> load_service_table(const std::string& path);

// "SIGTERM", "TERM" or a number -> signal number; 0 when unknown.
int parse_signal(std::string_view text);
std::string_view signal_name(int signal);

}  // namespace init
