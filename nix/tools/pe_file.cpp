#include "pe_file.hpp"

#include <algorithm>

namespace image_tools {
namespace {

constexpr std::uint16_t kMagicPe32 = 0x10b;
constexpr std::uint16_t kMagicPe32Plus = 0x20b;
constexpr std::uint32_t kSecurityDirectory = 4;
constexpr std::size_t kSectionHeaderSize = 40;

Result<std::uint32_t> read_le(std::span<const std::uint8_t> image, std::size_t offset,
                              std::size_t width) {
  if (offset > image.size() || image.size() - offset < width) {
    return std::unexpected("truncated PE file (need " + std::to_string(width) +
                           " bytes at offset " + std::to_string(offset) + ")");
  }
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < width; ++i) value |= std::uint32_t{image[offset + i]} << (8 * i);
  return value;
}

}  // namespace

const PeSection* PeFile::find(std::string_view name) const {
  auto it = std::find_if(sections.begin(), sections.end(),
                         [&](const PeSection& s) { return s.name == name; });
  return it == sections.end() ? nullptr : &*it;
}

Result<PeFile> parse_pe(std::span<const std::uint8_t> image) {
  if (image.size() < 0x40 || image[0] != 'M' || image[1] != 'Z') {
    return std::unexpected("not a PE file (no MZ header)");
  }
  auto pe_offset = read_le(image, 0x3c, 4);
  if (!pe_offset) return std::unexpected(pe_offset.error());
  auto signature = read_le(image, *pe_offset, 4);
  if (!signature || *signature != 0x00004550) return std::unexpected("no PE signature");
  const std::size_t coff = *pe_offset + 4;
  auto section_count = read_le(image, coff + 2, 2);
  auto optional_size = read_le(image, coff + 16, 2);
  if (!section_count || !optional_size) return std::unexpected("truncated COFF header");
  const std::size_t optional = coff + 20;
  auto magic = read_le(image, optional, 2);
  if (!magic || (*magic != kMagicPe32 && *magic != kMagicPe32Plus)) {
    return std::unexpected("unknown optional header magic");
  }
  const bool plus = *magic == kMagicPe32Plus;

  PeFile pe;
  pe.coff_offset = coff;
  pe.checksum_offset = optional + 64;
  auto headers_size = read_le(image, optional + 60, 4);
  auto rva_count = read_le(image, optional + (plus ? 108 : 92), 4);
  if (!headers_size || !rva_count) return std::unexpected("truncated optional header");
  pe.size_of_headers = *headers_size;
  if (*rva_count > kSecurityDirectory) {
    const std::size_t dir = optional + (plus ? 112 : 96) + 8 * kSecurityDirectory;
    auto cert_size = read_le(image, dir + 4, 4);
    if (!cert_size) return std::unexpected(cert_size.error());
    pe.cert_dir_offset = dir;
    pe.cert_table_size = *cert_size;
  }

  const std::size_t table = optional + *optional_size;
  for (std::uint32_t i = 0; i < *section_count; ++i) {
    const std::size_t at = table + i * kSectionHeaderSize;
    if (at + kSectionHeaderSize > image.size()) return std::unexpected("truncated section table");
    PeSection section;
    for (std::size_t c = 0; c < 8 && image[at + c] != 0; ++c) {
      section.name.push_back(static_cast<char>(image[at + c]));
    }
    section.virtual_size = *read_le(image, at + 8, 4);
    section.virtual_address = *read_le(image, at + 12, 4);
    section.raw_size = *read_le(image, at + 16, 4);
    section.raw_offset = *read_le(image, at + 20, 4);
    if (std::uint64_t{section.raw_offset} + section.raw_size > image.size()) {
      return std::unexpected("section " + section.name + " extends past the end of the file");
    }
    pe.sections.push_back(std::move(section));
  }
  return pe;
}

Result<std::span<const std::uint8_t>> section_contents(std::span<const std::uint8_t> image,
                                                       const PeSection& section) {
  const std::uint32_t size = std::min(section.virtual_size, section.raw_size);
  if (std::uint64_t{section.raw_offset} + size > image.size()) {
    return std::unexpected("section " + section.name + " extends past the end of the file");
  }
  return image.subspan(section.raw_offset, size);
}

}  // namespace image_tools
