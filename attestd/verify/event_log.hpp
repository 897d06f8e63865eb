#pragma once
// The firmware's TCG event log (TCG PC Client Platform Firmware Profile,
// "crypto agile" format), as Linux exposes it in
// /sys/kernel/security/tpm0/binary_bios_measurements, and its replay.
//
// Layout, all integers little-endian:
//   first event (TCG_PCClientPCREvent, SHA-1 format):
//     pcrIndex u32, eventType u32 (EV_NO_ACTION), digest[20] (zero),
//     eventSize u32, event = TCG_EfiSpecIDEvent:
//       signature[16] "Spec ID Event03\0", platformClass u32,
//       specVersionMinor u8, specVersionMajor u8, specErrata u8, uintnSize u8,
//       numberOfAlgorithms u32, {algorithmId u16, digestSize u16}[n],
//       vendorInfoSize u8, vendorInfo[vendorInfoSize]
//   then TCG_PCR_EVENT2 until the end:
//     pcrIndex u32, eventType u32,
//     digests = TPML_DIGEST_VALUES {count u32, {hashAlg u16, digest[size]}[count]},
//     eventSize u32, event[eventSize]
// EV_NO_ACTION events are not extended; the "StartupLocality" one sets PCR
// 0's initial value to the locality the firmware started from.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace attest {

inline constexpr std::uint32_t kEvNoAction = 0x00000003;
inline constexpr std::uint16_t kTpmAlgSha256 = 0x000b;

struct TcgEvent {
  std::uint32_t pcr = 0;
  std::uint32_t type = 0;
  std::map<std::uint16_t, std::string> digests;  // hash algorithm -> raw digest
  std::string data;
};

struct TcgEventLog {
  std::map<std::uint16_t, std::uint16_t> digest_sizes;  // from the Spec ID event
  std::vector<TcgEvent> events;                         // after the Spec ID event
};

// Rejects anything that is not a well-formed crypto-agile log with a SHA-256
// bank; trailing padding of 0x00 or 0xFF bytes is tolerated.
common::Result<TcgEventLog> parse_tcg_event_log(std::string_view bytes);

// PCR index -> value after replaying every event of the log into the SHA-256
// bank, for the PCRs that the log touches.
common::Result<std::map<unsigned, std::string>> replay_sha256(const TcgEventLog& log);

// Builds a log in the same format (Spec ID event with SHA-256 only, then the
// events). Used by tests and tools that need a well-formed log.
std::string write_tcg_event_log_sha256(const std::vector<TcgEvent>& events);

}  // namespace attest
