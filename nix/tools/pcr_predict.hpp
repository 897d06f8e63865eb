#pragma once
// Expected PCR values that the build alone determines (SHA-256 bank), with
// the individual events so that a verifier can compare event logs entry by
// entry. E(pcr, d) = SHA256(pcr || d), starting from 32 zero bytes.
//
// PCR 11, systemd-stub: for each UKI section the stub version measures that
// is present, in the stub's own (canonical) order: E(SHA256(name + NUL)),
// E(SHA256(contents)). For the four sections of systemd-measure (.linux,
// .osrel, .cmdline, .initrd) this is `systemd-measure calculate --phase=`
// (no boot-phase strings: this appliance runs no systemd-pcrphase).
// systemd >= 254 also measures .uname and .sbat (the stub's own .sbat is in
// every UKI made from it), 256 also .ucode.
//
// PCR 9, the Linux EFI stub: E(SHA256(UTF-16LE(command line) + NUL NUL))
// for the load options systemd-stub hands over (the .cmdline section), then
// E(SHA256(initrd)).

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "file_bytes.hpp"
#include "sha256.hpp"

namespace image_tools {

struct PcrEvent {
  std::string description;
  Digest digest{};
};

struct PcrPrediction {
  std::vector<PcrEvent> events;
  Digest value{};
};

struct UkiSection {
  std::string name;
  std::span<const std::uint8_t> contents;
};

Digest extend(const Digest& pcr, const Digest& event_digest);

// The sections systemd-stub 252 (Debian 12) measures, in its order.
inline constexpr std::array<std::string_view, 7> kStub252Pcr11Sections = {
    ".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb", ".pcrpkey"};

// The sections the stub of this major version measures, in its order; an
// error for versions this tool does not know (older than 250 or newer than
// 256: 257 added multi-profile UKIs, whose measurements differ).
Result<std::vector<std::string_view>> pcr11_sections_for_stub(int major_version);

// The stub's major version from its .sdmagic text, e.g.
// "#### LoaderInfo: systemd-stub 256.8 ####" -> 256.
Result<int> stub_major_version(std::string_view sdmagic);

// `sections` in any order; only the names in `measured` count, in its order.
PcrPrediction predict_pcr11(const std::vector<UkiSection>& sections,
                            std::span<const std::string_view> measured = kStub252Pcr11Sections);

PcrPrediction predict_pcr9(std::string_view cmdline, std::span<const std::uint8_t> initrd);

// ASCII/UTF-8 command line to UTF-16LE with the terminating NUL (two bytes).
// Command lines here are ASCII; other code points are rejected by the caller.
std::vector<std::uint8_t> utf16le_with_nul(std::string_view ascii);

}  // namespace image_tools
