#include "swtpm_helpers.hpp"

#include <fstream>
#include <sstream>

#include "common/crypto.hpp"

namespace attest_test {

namespace crypto = common::crypto;

bool extend(const fixtures::Swtpm& tpm, unsigned pcr, const std::string& sha256_digest) {
  auto r = tpm.tpm2("pcrextend", {std::to_string(pcr) + ":sha256=" + crypto::hex(sha256_digest)});
  return r.exit_code == 0;
}

fixtures::CommandResult tpm2_checkquote(const std::filesystem::path& dir, const std::string& ak_pem,
                                        const std::string& quote, const std::string& signature,
                                        const std::string& qualifying_data) {
  write_file(dir / "ak.pem", ak_pem);
  write_file(dir / "quote.bin", quote);
  write_file(dir / "sig.bin", signature);
  return fixtures::run_command({"tpm2_checkquote", "-u", (dir / "ak.pem").string(), "-m",
                                (dir / "quote.bin").string(), "-s", (dir / "sig.bin").string(),
                                "-g", "sha256", "-q", crypto::hex(qualifying_data)});
}

std::string spki_of(const std::string& pem) {
  auto key = crypto::load_public_key_pem(pem);
  if (!key) return "";
  return crypto::spki_der(key->get()).value_or("");
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace attest_test
