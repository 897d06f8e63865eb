#pragma once
// What egressd keeps in TPM NV: the month's count, and enough to resume it
// exactly. 56 bytes, big-endian:
//   0  "EGR1"                 magic and version
//   4  u32 month              MonthIndex (year * 12 + month - 1)
//   8  u64 bytes              counted this month up to the write
//  16  16 bytes boot id       /proc/sys/kernel/random/boot_id of the writer
//  32  u64 tx_at_write        the interface's tx_bytes when written
//  40  16 bytes interface     its name, NUL-padded
// A restart within the same boot resumes the interface counter from
// tx_at_write (nothing counted twice); a new boot counts its counter from 0.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "egressd/month.hpp"

namespace egressd {

inline constexpr std::size_t kNvRecordSize = 56;
using BootId = std::array<std::uint8_t, 16>;

struct NvRecord {
  MonthIndex month = 0;
  std::uint64_t bytes = 0;
  BootId boot_id{};
  std::uint64_t tx_at_write = 0;
  std::string interface;  // at most 15 characters (IFNAMSIZ - 1)
  bool operator==(const NvRecord&) const = default;
};

std::vector<std::uint8_t> encode(const NvRecord& record);
// invalid_input for anything that is not a record of this version.
common::Result<NvRecord> decode(const std::vector<std::uint8_t>& data);

// The running kernel's boot id (a UUID, as 16 bytes).
common::Result<BootId> current_boot_id(const std::string& path = "/proc/sys/kernel/random/boot_id");

}  // namespace egressd
