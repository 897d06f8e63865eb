#include "swtpm_helpers.hpp"

#include <fstream>
#include <sstream>

#include "attestd/verify/boot_events.hpp"
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

attest::TcgEvent firmware_event(std::uint32_t pcr, std::uint32_t type, std::string data) {
  return attest::TcgEvent{pcr, type, {{attest::kTpmAlgSha256, crypto::sha256(data)}}, data};
}

std::string secure_boot_variable(bool enabled) {
  std::string data(*crypto::unhex("61dfe48bca93d211aa0d00e098032b8c"));
  const std::string name = "SecureBoot";
  auto le64 = [](std::uint64_t v) {
    std::string out;
    for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
    return out;
  };
  data += le64(name.size()) + le64(1);
  for (char c : name) data += std::string{c, '\0'};
  return data + std::string(1, enabled ? '\1' : '\0');
}

std::vector<attest::TcgEvent> firmware_events() {
  std::vector<attest::TcgEvent> events = {
      firmware_event(0, 0x00000008, "S-CRTM version"),
      firmware_event(7, attest::kEvEfiVariableDriverConfig, secure_boot_variable(false)),
      firmware_event(4, attest::kEvEfiAction, "Calling EFI Application from Boot Option")};
  for (std::uint32_t pcr = 0; pcr < 8; ++pcr) {
    events.push_back(firmware_event(pcr, attest::kEvSeparator, std::string(4, '\0')));
  }
  events.push_back(firmware_event(4, attest::kEvEfiBootServicesApplication, "the UKI"));
  events.push_back(firmware_event(4, attest::kEvEfiBootServicesApplication, "the kernel"));
  events.push_back(firmware_event(9, 0x0000000d, "cmdline"));
  events.push_back(firmware_event(9, 0x0000000d, "initrd"));
  events.push_back(firmware_event(11, 0x0000000d, ".linux"));
  return events;
}

common::json measurements_for(const std::vector<attest::TcgEvent>& events) {
  auto replay = attest::replay_sha256(
      *attest::parse_tcg_event_log(attest::write_tcg_event_log_sha256(events)));
  common::json pcr_events = common::json::object();
  for (const auto& e : events) {
    const bool application = e.pcr == 4 && e.type == attest::kEvEfiBootServicesApplication;
    if (!application && e.pcr != 9 && e.pcr != 11) continue;
    pcr_events[std::to_string(e.pcr)].push_back(
        {{"description", e.data}, {"sha256", crypto::hex(e.digests.at(attest::kTpmAlgSha256))}});
  }
  return {{"pcrs",
           {{"sha256", {{"9", crypto::hex(replay->at(9))}, {"11", crypto::hex(replay->at(11))}}}}},
          {"pcr_events", pcr_events}};
}

}  // namespace attest_test
