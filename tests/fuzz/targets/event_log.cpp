// The firmware's TCG event log (attestd/verify/event_log, boot_events): sent
// by a possibly hostile server to the operator's verifier. Parsed, replayed
// and searched as verify_attestation does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attestd/verify/boot_events.hpp"
#include "attestd/verify/event_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto log =
      attest::parse_tcg_event_log(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!log) return 0;
  (void)attest::replay_sha256(*log);
  (void)attest::secure_boot_state(*log);
  (void)attest::check_boot_applications(*log, {std::string(32, 'a'), std::string(32, 'b')});
  for (unsigned pcr : {4U, 9U, 11U}) (void)attest::check_pcr_events(*log, pcr, {});
  return 0;
}
