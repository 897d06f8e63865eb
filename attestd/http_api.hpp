#pragma once
// attestd's HTTPS face:
//   GET /v1/attestation?nonce=HEX  evidence for a verifier (docs/attestation.md)
//   GET /v1/status                 services (from init), TPM state, versions;
//                                  refreshed once a second (status_report.hpp)
// Every error is JSON {"error": {"code", "message"}}: 4xx for bad requests,
// 503 while the TPM is unavailable.

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/http_server.hpp"
#include "attestd/attester.hpp"
#include "attestd/binding_state.hpp"
#include "attestd/runtime_config.hpp"

namespace attestd {

inline constexpr std::size_t kMinNonceBytes = 16;
inline constexpr std::size_t kMaxNonceBytes = 64;

// The nonce of a request: 32 to 128 hex digits, given once.
common::Result<std::string> parse_nonce(const common::http::Request& request);

// The appliance's version, as /v1/status reports it (set by CMake).
extern const char* const kVersion;

struct HttpApiOptions {
  std::filesystem::path event_log;  // the firmware TCG log (securityfs)
  // Quoted PCRs of the sha256 bank: 0-15, all that firmware, the boot chain
  // and attestd itself extend (16 and up are resettable).
  std::vector<unsigned> pcrs = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  std::string version = kVersion;
};

void install_http_api(common::http::Router& router, Attester& attester, RuntimeConfig& runtime,
                      BindingState& bindings, HttpApiOptions options);

}  // namespace attestd
