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

PcrPrediction predict_pcr11(const std::vector<UkiSection>& sections) {
  // systemd-stub 252 measures its known sections in this fixed order.
  static constexpr std::array<std::string_view, 4> kMeasured = {".linux", ".osrel", ".cmdline",
                                                                ".initrd"};
  PcrPrediction prediction;
  for (std::string_view name : kMeasured) {
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
