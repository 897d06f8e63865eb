// The runtime-configuration log (attestd/verify/runtime_log): JSON from the
// evidence, replayed by the verifier and read back by attestd from its state.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json.hpp"
#include "attestd/verify/runtime_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto log = common::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!log) return 0;
  (void)attest::replay_runtime_log(*log, {{15, std::string(32, '\0')}});
  if (auto events = attest::runtime_events_from_json(*log)) {
    (void)attest::runtime_log_json(*events);
  }
  return 0;
}
