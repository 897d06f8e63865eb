#pragma once
// What the operator's own build predicts (measurements.json, written by
// nix/tools/image_measure.cpp), read for the verifier:
//
//   "pcrs":       {"sha256": {"9": hex, "11": hex}}
//   "pcr_events": {"4":  [{"description", "sha256"}, ...],   the Authenticode
//                          hashes the firmware logs as EV_EFI_BOOT_SERVICES_APPLICATION
//                          after the separator: the UKI, then the kernel it starts
//                  "9":  [...], "11": [...]}                the stubs' events, in order
//
// All three PCRs are required: a file that predicts less proves less, so it
// is refused rather than half-checked.

#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/json.hpp"

namespace attest {

struct BuildMeasurements {
  std::map<unsigned, std::string> pcrs;                 // 9 and 11, raw values
  std::map<unsigned, std::vector<std::string>> events;  // 4, 9, 11: raw event digests in order
};

common::Result<BuildMeasurements> parse_measurements(const common::json& document);

}  // namespace attest
