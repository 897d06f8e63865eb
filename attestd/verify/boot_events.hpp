#pragma once
// What the firmware event log says about the boot, beyond replaying to the
// quoted PCRs (which proves each event's digest was extended, in order):
// - PCR 4: after the firmware's separator, the EV_EFI_BOOT_SERVICES_APPLICATION
//   events must be exactly the build's Authenticode hashes (the UKI, then the
//   kernel systemd-stub starts). Nothing but those and EV_EFI_ACTION strings
//   may follow the separator there. This is what says the operator's UKI is
//   the thing that booted: software can extend PCR 9 and 11 to any value, but
//   the firmware measured the UKI into PCR 4 before it ran.
// - PCR 9 and 11: the stubs' events must be the build's predicted ones.
// - PCR 7: the Secure Boot state, from the EV_EFI_VARIABLE_DRIVER_CONFIG
//   event of the SecureBoot variable (only when its digest is the hash of
//   the data, i.e. the data itself is proven).

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "attestd/verify/event_log.hpp"

namespace attest {

inline constexpr std::uint32_t kEvSeparator = 0x00000004;
inline constexpr std::uint32_t kEvEfiVariableDriverConfig = 0x80000001;
inline constexpr std::uint32_t kEvEfiBootServicesApplication = 0x80000003;
inline constexpr std::uint32_t kEvEfiAction = 0x80000007;

common::Status check_boot_applications(const TcgEventLog& log,
                                       const std::vector<std::string>& expected);

// The SHA-256 digests of the events the log holds for `pcr` (EV_NO_ACTION
// left out) must be `expected`, in order.
common::Status check_pcr_events(const TcgEventLog& log, unsigned pcr,
                                const std::vector<std::string>& expected);

struct SecureBootState {
  std::optional<bool> enabled;  // nullopt: the log does not prove it
  std::string detail;
};
SecureBootState secure_boot_state(const TcgEventLog& log);

}  // namespace attest
