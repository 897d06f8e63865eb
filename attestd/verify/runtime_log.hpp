#pragma once
// The runtime-configuration event log that attestd keeps next to the
// firmware's, defined once for the side that writes it and the side that
// replays it. Each configuration value is measured as one event:
//
//   data   = compact JSON {"key":K,"type":"config","value":V}  (V: string or
//            null when the attribute is absent), UTF-8; these exact bytes
//            are what is hashed
//   extend PCR p (default 15) with SHA-256(data)
//
// and logged as {"pcr":p,"type":"config","key":K,"value":V,
//                "data":base64(data),"sha256":hex(SHA-256(data))}.
// The log is append-only: a later event for the same key replaces the value.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/json.hpp"

namespace attest {

inline constexpr unsigned kDefaultConfigPcr = 15;

struct RuntimeEvent {
  unsigned pcr = kDefaultConfigPcr;
  std::string data;  // the exact bytes hashed
};

using ConfigValues = std::map<std::string, std::optional<std::string>>;

RuntimeEvent config_event(unsigned pcr, std::string_view key,
                          const std::optional<std::string>& value);
common::json runtime_event_json(const RuntimeEvent& event);
common::json runtime_log_json(const std::vector<RuntimeEvent>& events);
// Reads back a log written by runtime_log_json (attestd's saved state).
common::Result<std::vector<RuntimeEvent>> runtime_events_from_json(const common::json& log);

struct RuntimeReplay {
  std::map<unsigned, std::string> pcrs;  // after the events, from `initial`
  ConfigValues config;                   // the last value logged for each key
};

// Checks every event (digest matches data, readable fields match data) and
// extends it onto `initial` (PCRs not in `initial` start at zero).
common::Result<RuntimeReplay> replay_runtime_log(const common::json& log,
                                                 std::map<unsigned, std::string> initial = {});

}  // namespace attest
