#include "pcr_predict.hpp"

#include <algorithm>
#include <array>

namespace image_tools {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

Digest extend(const Digest& pcr, const Digest& event_digest) {
  Sha256 hash;
  hash.update(pcr);
  hash.update(event_digest);
  return hash.finish();
}

Result<std::vector<std::string_view>> pcr11_sections_for_stub(int major_version) {
  // From systemd's src/fundamental/uki.h (the UnifiedSection enum, "the
  // canonical order in which we measure the sections into TPM PCR 11"),
  // without .pcrsig, which the stub never measures.
  if (major_version >= 250 && major_version <= 253) {
    return std::vector<std::string_view>(kStub252Pcr11Sections.begin(),
                                         kStub252Pcr11Sections.end());
  }
  if (major_version == 254 || major_version == 255) {
    return std::vector<std::string_view>{".linux", ".osrel", ".cmdline", ".initrd", ".splash",
                                         ".dtb",   ".uname", ".sbat",    ".pcrpkey"};
  }
  if (major_version == 256) {
    return std::vector<std::string_view>{".linux",  ".osrel", ".cmdline", ".initrd", ".ucode",
                                         ".splash", ".dtb",   ".uname",   ".sbat",   ".pcrpkey"};
  }
  return std::unexpected("systemd-stub " + std::to_string(major_version) +
                         ": unknown which sections it measures into PCR 11 (known: 250-256)");
}

Result<int> stub_major_version(std::string_view sdmagic) {
  static constexpr std::string_view kPrefix = "LoaderInfo: systemd-stub ";
  const auto at = sdmagic.find(kPrefix);
  if (at == std::string_view::npos) {
    return std::unexpected("no 'LoaderInfo: systemd-stub VERSION' in .sdmagic");
  }
  int version = 0;
  std::size_t digits = 0;
  for (std::size_t i = at + kPrefix.size(); i < sdmagic.size() && digits < 4; ++i, ++digits) {
    const char c = sdmagic[i];
    if (c < '0' || c > '9') break;
    version = version * 10 + (c - '0');
  }
  if (digits == 0 || digits > 3) return std::unexpected("no version number after 'systemd-stub '");
  return version;
}

PcrPrediction predict_pcr11(const std::vector<UkiSection>& sections,
                            std::span<const std::string_view> measured) {
  PcrPrediction prediction;
  for (std::string_view name : measured) {
    auto it = std::find_if(sections.begin(), sections.end(),
                           [&](const UkiSection& s) { return s.name == name; });
    if (it == sections.end()) continue;
    std::string name_with_nul(name);
    name_with_nul.push_back('\0');
    prediction.events.push_back(
        {"section name " + std::string(name), Sha256::of(bytes_of(name_with_nul))});
    prediction.events.push_back(
        {"section contents " + std::string(name), Sha256::of(it->contents)});
  }
  for (const auto& event : prediction.events) {
    prediction.value = extend(prediction.value, event.digest);
  }
  return prediction;
}

std::vector<std::uint8_t> utf16le_with_nul(std::string_view ascii) {
  std::vector<std::uint8_t> out;
  out.reserve(ascii.size() * 2 + 2);
  for (char c : ascii) {
    out.push_back(static_cast<std::uint8_t>(c));
    out.push_back(0);
  }
  out.push_back(0);
  out.push_back(0);
  return out;
}

PcrPrediction predict_pcr9(std::string_view cmdline, std::span<const std::uint8_t> initrd) {
  PcrPrediction prediction;
  prediction.events.push_back(
      {"kernel command line (UTF-16LE, NUL-terminated)", Sha256::of(utf16le_with_nul(cmdline))});
  prediction.events.push_back({"initrd", Sha256::of(initrd)});
  for (const auto& event : prediction.events) {
    prediction.value = extend(prediction.value, event.digest);
  }
  return prediction;
}

}  // namespace image_tools
