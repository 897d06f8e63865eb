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

bool write_nv(const fixtures::Swtpm& tpm, unsigned index, const std::string& bytes) {
  char handle[16];
  std::snprintf(handle, sizeof handle, "0x%08x", index);
  auto define = tpm.tpm2("nvdefine", {handle, "-C", "o", "-s", std::to_string(bytes.size()), "-a",
                                      "ownerread|ownerwrite|authread|no_da"});
  if (define.exit_code != 0) return false;
  auto file = tpm.work_dir() / ("nv-" + std::string(handle) + ".bin");
  write_file(file, bytes);
  return tpm.tpm2("nvwrite", {handle, "-C", "o", "-i", file.string()}).exit_code == 0;
}

std::string gce_ecc_ak_template() {
  // type ECC, nameAlg SHA-256,
  // attributes fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|restricted|sign,
  // empty authPolicy, symmetric NULL, scheme ECDSA/SHA-256, curve NIST P-256,
  // kdf NULL, unique x and y of 32 zero bytes each.
  std::string hex =
      "0023000b000500720000"
      "0010"
      "0018000b"
      "0003"
      "0010"
      "0020" +
      std::string(64, '0') + "0020" + std::string(64, '0');
  return *crypto::unhex(hex);
}

common::Result<std::string> createprimary_from_template(const fixtures::Swtpm& tpm,
                                                        const std::string& template_bytes) {
  (void)template_bytes;  // the flags below spell out the same template
  auto pem = tpm.work_dir() / "reference-ak.pem";
  auto ctx = tpm.work_dir() / "reference-ak.ctx";
  // -u - reads the unique field from stdin: 64 bytes split into x and y.
  auto r = tpm.tpm2("createprimary",
                    {"-C", "e", "-g", "sha256", "-G", "ecc256:ecdsa-sha256:null", "-a",
                     "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign", "-u",
                     "-", "-c", ctx.string(), "-f", "pem", "-o", pem.string()},
                    std::string(64, '\0'));
  tpm.tpm2("flushcontext", {"-t"});
  if (r.exit_code != 0) {
    return common::fail(common::Error::Kind::environment, "tpm2_createprimary: " + r.output);
  }
  return read_file(pem);
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
