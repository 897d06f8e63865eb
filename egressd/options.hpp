#pragma once
// egressd's command line (every flag is --name=value):
//   --tcti=device:/dev/tpmrm0   where the month's count is kept; "none": only
//                               in RAM (a development machine without a TPM)
//   --nv-index=0x01001500       the NV index (owner range 0x01000000-0x013FFFFF)
//   --interface=NAME            count this interface (default: the default route's)
//   --poll-ms=5000              how often the interface counter is read
//   --nv-write-minutes=10       least time between two routine NV writes
//   --sys-class-net=/sys/class/net, --proc-net-route=/proc/net/route (tests)

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "egressd/enforcer.hpp"

namespace egressd {

struct Options {
  std::string tcti = "device:/dev/tpmrm0";
  std::uint32_t nv_index = kDefaultNvIndex;
  EnforcerOptions enforcer;
};

common::Result<Options> parse_options(int argc, char** argv);
std::string_view usage();

}  // namespace egressd
