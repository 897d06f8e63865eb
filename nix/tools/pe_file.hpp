#pragma once
// The parts of a PE/COFF image (an EFI application such as the UKI or the
// kernel's EFI stub) that measured boot depends on: the header fields that
// Authenticode skips and the section table. Bounds are checked everywhere:
// the input is a build artefact, but a truncated file must give an error,
// not a crash.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "file_bytes.hpp"

namespace image_tools {

struct PeSection {
  std::string name;  // up to 8 bytes, NULs stripped
  std::uint32_t virtual_size = 0;
  std::uint32_t virtual_address = 0;
  std::uint32_t raw_size = 0;
  std::uint32_t raw_offset = 0;
};

struct PeFile {
  std::size_t coff_offset = 0;                 // file offset of the COFF file header
  std::size_t checksum_offset = 0;             // file offset of OptionalHeader.CheckSum
  std::optional<std::size_t> cert_dir_offset;  // of DataDirectory[SECURITY], if present
  std::uint32_t cert_table_size = 0;           // DataDirectory[SECURITY].Size
  std::uint32_t size_of_headers = 0;
  std::vector<PeSection> sections;

  const PeSection* find(std::string_view name) const;
};

Result<PeFile> parse_pe(std::span<const std::uint8_t> image);

// The bytes of a section as the loader sees them: VirtualSize bytes (the
// raw data is padded to the file alignment), capped at the raw size.
Result<std::span<const std::uint8_t>> section_contents(std::span<const std::uint8_t> image,
                                                       const PeSection& section);

}  // namespace image_tools
