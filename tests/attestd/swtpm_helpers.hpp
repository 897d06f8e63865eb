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
// Writes bytes into a freshly defined owner-readable NV index.
bool write_nv(const fixtures::Swtpm& tpm, unsigned index, const std::string& bytes);
// Google's ECC AK template as GCE stores it in NV 0x01c10003: a marshalled
// TPMT_PUBLIC of a restricted ECC P-256 ECDSA-SHA256 signing key.
std::string gce_ecc_ak_template();
// The public key (PEM) tpm2_createprimary -C e derives from that template.
common::Result<std::string> createprimary_from_template(const fixtures::Swtpm& tpm,
                                                        const std::string& template_bytes);
// tpm2_checkquote -u ak.pem -m quote.bin -s sig.bin -g sha256 -q HEX.
fixtures::CommandResult tpm2_checkquote(const std::filesystem::path& dir, const std::string& ak_pem,
                                        const std::string& quote, const std::string& signature,
                                        const std::string& qualifying_data);
// DER SubjectPublicKeyInfo of a PEM public key ("" if unreadable).
std::string spki_of(const std::string& pem);
void write_file(const std::filesystem::path& path, const std::string& bytes);
std::string read_file(const std::filesystem::path& path);

}  // namespace attest_test
