#pragma once
// Expected PCR values that the build alone determines (SHA-256 bank), with
// the individual events so that a verifier can compare event logs entry by
// entry. E(pcr, d) = SHA256(pcr || d), starting from 32 zero bytes.
//
// PCR 11, systemd-stub 252: for each UKI section of .linux, .osrel, .cmdline,
// .initrd present (in that order): E(SHA256(name + NUL)), E(SHA256(contents)).
// This is `systemd-measure calculate --phase=` (no boot-phase strings: this
// appliance runs no systemd-pcrphase).
//
// PCR 9, the Linux EFI stub: E(SHA256(UTF-16LE(command line) + NUL NUL))
// for the load options systemd-stub hands over (the .cmdline section), then
// E(SHA256(initrd)).

#include <span>
#include <string>
#include <vector>

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

// `sections` in any order; only the four measured names count.
PcrPrediction predict_pcr11(const std::vector<UkiSection>& sections);

PcrPrediction predict_pcr9(std::string_view cmdline, std::span<const std::uint8_t> initrd);

// ASCII/UTF-8 command line to UTF-16LE with the terminating NUL (two bytes).
// Command lines here are ASCII; other code points are rejected by the caller.
std::vector<std::uint8_t> utf16le_with_nul(std::string_view ascii);

}  // namespace image_tools
