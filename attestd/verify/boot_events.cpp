#include "attestd/verify/boot_events.hpp"

#include <cstring>

#include "common/crypto.hpp"

namespace attest {
namespace {

using common::Error;
using common::fail;
namespace crypto = common::crypto;

constexpr unsigned kBootApplicationsPcr = 4;
constexpr unsigned kSecureBootPcr = 7;
// EFI_GLOBAL_VARIABLE {8BE4DF61-93CA-11D2-AA0D-00E098032B8C}, as stored in memory.
constexpr unsigned char kEfiGlobalVariable[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
                                                  0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};

std::string sha256_of(const TcgEvent& event) {
  auto it = event.digests.find(kTpmAlgSha256);
  return it == event.digests.end() ? std::string() : it->second;
}

std::string short_list(const std::vector<std::string>& digests) {
  if (digests.empty()) return "none";
  std::string out;
  for (const auto& digest : digests) {
    if (!out.empty()) out += ", ";
    out += crypto::hex(digest).substr(0, 16) + "…";
  }
  return out;
}

std::uint64_t read_le64(const std::string& data, std::size_t offset) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(data[offset + i]);
  return value;
}

// UEFI_VARIABLE_DATA: VariableName (GUID) | UnicodeNameLength u64 |
// VariableDataLength u64 | UnicodeName (UTF-16LE) | VariableData.
std::optional<std::string> secure_boot_variable(const std::string& data) {
  constexpr std::size_t kHeader = 32;
  if (data.size() < kHeader || std::memcmp(data.data(), kEfiGlobalVariable, 16) != 0) {
    return std::nullopt;
  }
  const std::uint64_t name_chars = read_le64(data, 16);
  const std::uint64_t value_bytes = read_le64(data, 24);
  if (name_chars > 64 || value_bytes > data.size() ||
      data.size() != kHeader + name_chars * 2 + value_bytes) {
    return std::nullopt;
  }
  std::string name;
  for (std::uint64_t i = 0; i < name_chars; ++i) {
    const char low = data[kHeader + 2 * i];
    if (data[kHeader + 2 * i + 1] != 0) return std::nullopt;
    name += low;
  }
  if (name != "SecureBoot") return std::nullopt;
  return data.substr(kHeader + name_chars * 2);
}

}  // namespace

common::Status check_boot_applications(const TcgEventLog& log,
                                       const std::vector<std::string>& expected) {
  int separators = 0;
  std::vector<std::string> applications;
  for (const auto& event : log.events) {
    if (event.pcr != kBootApplicationsPcr) continue;
    if (event.type == kEvSeparator) {
      ++separators;
      continue;
    }
    if (separators == 0) continue;  // the firmware's own, reported not judged
    if (event.type == kEvEfiBootServicesApplication) {
      applications.push_back(sha256_of(event));
    } else if (event.type != kEvEfiAction) {
      return fail(Error::Kind::invalid_input,
                  "PCR 4 has an event of type 0x" +
                      crypto::hex(std::string{
                          static_cast<char>(event.type >> 24), static_cast<char>(event.type >> 16),
                          static_cast<char>(event.type >> 8), static_cast<char>(event.type)}) +
                      " after the separator, where only the boot applications belong");
    }
  }
  if (separators != 1) {
    return fail(Error::Kind::invalid_input, "PCR 4 has " + std::to_string(separators) +
                                                " separator events in the log, expected exactly 1");
  }
  if (applications != expected) {
    return fail(Error::Kind::invalid_input,
                "PCR 4: the firmware started " + std::to_string(applications.size()) +
                    " application(s) (" + short_list(applications) + "), the build predicts " +
                    std::to_string(expected.size()) + " (" + short_list(expected) +
                    "): this is not the UKI you built");
  }
  return {};
}

common::Status check_pcr_events(const TcgEventLog& log, unsigned pcr,
                                const std::vector<std::string>& expected) {
  std::vector<std::string> logged;
  for (const auto& event : log.events) {
    if (event.pcr == pcr && event.type != kEvNoAction) logged.push_back(sha256_of(event));
  }
  if (logged != expected) {
    return fail(Error::Kind::invalid_input, "the log's PCR " + std::to_string(pcr) + " events (" +
                                                short_list(logged) + ") are not the build's (" +
                                                short_list(expected) + ")");
  }
  return {};
}

SecureBootState secure_boot_state(const TcgEventLog& log) {
  for (const auto& event : log.events) {
    if (event.pcr != kSecureBootPcr || event.type != kEvEfiVariableDriverConfig) continue;
    auto value = secure_boot_variable(event.data);
    if (!value) continue;
    if (sha256_of(event) != crypto::sha256(event.data)) {
      return {std::nullopt, "unknown: the SecureBoot event's data is not what its digest covers"};
    }
    const bool enabled = value->size() == 1 && (*value)[0] == 1;
    return {enabled,
            enabled ? "enabled (PCR 7, SecureBoot = 1)"
                    : "disabled (PCR 7, SecureBoot " +
                          (value->empty()
                               ? std::string("absent")
                               : "= " + std::to_string(static_cast<unsigned char>((*value)[0]))) +
                          ")"};
  }
  return {std::nullopt, "unknown: no SecureBoot variable event in PCR 7"};
}

}  // namespace attest
