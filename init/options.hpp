#pragma once
// init's command line. Defaults are the image's paths; tests and local runs
// point them elsewhere and run init as an ordinary subreaper process.
//
//   --services=FILE   service table (default /etc/appliance/services.conf)
//   --modules=FILE    kernel module list (default: the table's `set modules`)
//   --no-pid1-setup   behave as an ordinary supervisor even as PID 1 (of a
//                     test's PID namespace): no mounts, modules, network or
//                     power handling, and exit after stopping
//   --network         configure the network (lo + the table's policy) even
//                     when not PID 1 (the DHCP test, in a network namespace)

#include <optional>
#include <string>

#include "common/error.hpp"

namespace init {

struct Options {
  std::string services_file = "/etc/appliance/services.conf";
  std::optional<std::string> modules_file;
  bool pid1 = false;           // we are PID 1: never exit, end the machine instead
  bool machine_setup = false;  // mounts, modules, power button
  bool network = false;
};

common::Result<Options> parse_options(int argc, char** argv, bool is_pid1);

}  // namespace init
