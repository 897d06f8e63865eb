#pragma once
// Bytes the machine has sent on its external interface: the interface of
// the default route (/proc/net/route), unless one is named, and its kernel
// counter /sys/class/net/<if>/statistics/tx_bytes, which counts from zero at
// each boot. The counter is read as deltas: a value below the previous one
// (a driver reload) counts from zero again, so nothing is lost and nothing
// is counted twice.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/error.hpp"

namespace egressd {

struct TxPaths {
  std::filesystem::path proc_net_route = "/proc/net/route";
  std::filesystem::path sys_class_net = "/sys/class/net";
};

// The interface of the default route (destination 0.0.0.0/0, up), or a
// not_found error while there is none (before DHCP).
common::Result<std::string> default_route_interface(const std::filesystem::path& proc_net_route);

class TxCounter {
 public:
  // `interface` empty: follow the default route. `baseline`: the counter's
  // value already accounted for on `baseline_interface` (a restart within
  // one boot resumes from the value saved with the month's count).
  TxCounter(TxPaths paths, std::string interface, std::string baseline_interface,
            std::uint64_t baseline);

  // Bytes sent since the previous call (or since the baseline).
  common::Result<std::uint64_t> delta();

  const std::string& interface() const { return current_; }
  std::uint64_t last_value() const { return last_; }

 private:
  TxPaths paths_;
  std::string fixed_;
  std::string current_;
  std::uint64_t last_ = 0;
};

}  // namespace egressd
