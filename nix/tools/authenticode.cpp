#include "authenticode.hpp"

#include <algorithm>

namespace image_tools {

Result<Digest> authenticode_sha256(std::span<const std::uint8_t> image) {
  auto pe = parse_pe(image);
  if (!pe) return std::unexpected(pe.error());
  if (pe->size_of_headers > image.size() || pe->checksum_offset + 4 > pe->size_of_headers) {
    return std::unexpected("SizeOfHeaders is out of range");
  }
  Sha256 hash;
  hash.update(image.first(pe->checksum_offset));
  const std::size_t after_checksum = pe->checksum_offset + 4;
  if (pe->cert_dir_offset) {
    hash.update(image.subspan(after_checksum, *pe->cert_dir_offset - after_checksum));
    const std::size_t after_dir = *pe->cert_dir_offset + 8;
    hash.update(image.subspan(after_dir, pe->size_of_headers - after_dir));
  } else {
    hash.update(image.subspan(after_checksum, pe->size_of_headers - after_checksum));
  }

  std::vector<PeSection> sections = pe->sections;
  std::stable_sort(sections.begin(), sections.end(), [](const PeSection& a, const PeSection& b) {
    return a.raw_offset < b.raw_offset;
  });
  std::uint64_t hashed = pe->size_of_headers;
  for (const auto& section : sections) {
    if (section.raw_size == 0) continue;
    hash.update(image.subspan(section.raw_offset, section.raw_size));
    hashed += section.raw_size;
  }

  // Data after the last section that is not the signature (e.g. debug data).
  const std::uint64_t cert_size = pe->cert_dir_offset ? pe->cert_table_size : 0;
  if (image.size() > hashed + cert_size) {
    hash.update(image.subspan(hashed, image.size() - cert_size - hashed));
  }
  return hash.finish();
}

}  // namespace image_tools
