#pragma once
// Asks init (PID 1) to stop every service in order and power the machine
// off: the "poweroff" method of its control socket, which admits egressd.

#include "common/error.hpp"

namespace egressd {

common::Status request_power_off();

}  // namespace egressd
