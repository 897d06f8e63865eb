#pragma once
// Helpers for the swtpm tests: tpm2-tools invocations and test data, and a
// firmware log shaped like OVMF's (shared with the verifier fuzz target's
// fixture generator, tests/fuzz/verifier/make_fixture.cpp).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "attestd/verify/event_log.hpp"
#include "common/json.hpp"

#include "common/error.hpp"
#include "fixtures/process.hpp"
#include "fixtures/swtpm.hpp"

namespace attest_test {

// tpm2_pcrextend PCR:sha256=HEX on the swtpm.
bool extend(const fixtures::Swtpm& tpm, unsigned pcr, const std::string& sha256_digest);
// tpm2_checkquote -u ak.pem -m quote.bin -s sig.bin -g sha256 -q HEX.
fixtures::CommandResult tpm2_checkquote(const std::filesystem::path& dir, const std::string& ak_pem,
                                        const std::string& quote, const std::string& signature,
                                        const std::string& qualifying_data);
// DER SubjectPublicKeyInfo of a PEM public key ("" if unreadable).
std::string spki_of(const std::string& pem);
void write_file(const std::filesystem::path& path, const std::string& bytes);
std::string read_file(const std::filesystem::path& path);

// One sha256-only event whose digest is that of its data.
attest::TcgEvent firmware_event(std::uint32_t pcr, std::uint32_t type, std::string data);
// OVMF's EV_EFI_VARIABLE_DRIVER_CONFIG data for SecureBoot.
std::string secure_boot_variable(bool enabled);
// What the "firmware" measured, shaped like OVMF's log: separators in PCRs
// 0-7, the Secure Boot variable (off) in PCR 7, the boot applications (the
// UKI, then the kernel systemd-stub starts) in PCR 4 after the separator,
// and the stubs' events in PCR 9 and 11.
std::vector<attest::TcgEvent> firmware_events();
// measurements.json as the build would write it for these events.
common::json measurements_for(const std::vector<attest::TcgEvent>& events);

}  // namespace attest_test
