#pragma once
// egressd's measured configuration (from attestd, docs/traffic-cop.md):
//   egress_cap_bytes     bytes a month; absent or empty: no cap (count only)
//   egress_warn_percent  warning thresholds, "80,90" by default: comma-
//                        separated whole percents of the cap, each in 1..99

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/config_source.hpp"
#include "common/error.hpp"

namespace egressd {

inline constexpr std::array<std::string_view, 2> kConfigKeys = {"egress_cap_bytes",
                                                                "egress_warn_percent"};

struct Config {
  std::optional<std::uint64_t> cap_bytes;
  std::vector<unsigned> warn_percent{80, 90};  // ascending, unique
  bool operator==(const Config&) const = default;
};

// An invalid value is an invalid_input error naming the key: the caller keeps
// the configuration in force.
common::Result<Config> parse_config(const common::config::Values& values);

}  // namespace egressd
