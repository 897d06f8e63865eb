#pragma once
// Helpers for the swtpm tests: tpm2-tools invocations and test data.
#include <filesystem>
#include <string>

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

}  // namespace attest_test
