#pragma once
// init's event loop: the supervisor with its reaper, control socket, stop
// signals and (as PID 1) power button and network; services start at the
// first DHCP lease, or after a bounded wait without one. Returns once every
// service has stopped after a stop request.

#include "common/error.hpp"
#include "init/options.hpp"
#include "init/service_table.hpp"

namespace init {

common::Status supervise(const Options& options, const ServiceTable& table);

}  // namespace init
