// pe-stamp: sets a PE image's COFF TimeDateStamp to a fixed value and
// recomputes the optional header's CheckSum. objcopy stamps the UKI with the
// current time (binutils 2.40 ignores SOURCE_DATE_EPOCH for PE output), which
// alone would make every build differ.
//
//   pe-stamp --file=FILE --timestamp=SECONDS
//
// Exit codes: 0 done, 100 usage or bad input.

#include <cstdlib>
#include <fstream>
#include <string>

#include "pe_file.hpp"
#include "tool_cli.hpp"

namespace {

int fail(const std::string& message) { return image_tools::fail("pe-stamp", message); }

void put_le32(image_tools::Bytes& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// The PE checksum (as IMAGEHLP's CheckSumMappedFile): a 16-bit one's
// complement style sum of the file's words, the CheckSum field counted as
// zero, plus the file length.
std::uint32_t pe_checksum(const image_tools::Bytes& bytes, std::size_t checksum_offset) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    if (i >= checksum_offset && i < checksum_offset + 4) continue;
    std::uint32_t word = bytes[i];
    if (i + 1 < bytes.size()) word |= std::uint32_t{bytes[i + 1]} << 8;
    sum += word;
    sum = (sum & 0xffff) + (sum >> 16);
  }
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint32_t>(sum + bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  auto flags = image_tools::parse_flags(argc, argv);
  if (!flags.malformed.empty() || !flags.single.contains("file") ||
      !flags.single.contains("timestamp")) {
    return fail("usage: pe-stamp --file=FILE --timestamp=SECONDS");
  }
  const std::string& path = flags.single["file"];
  const std::string& stamp_text = flags.single["timestamp"];
  char* end = nullptr;
  const unsigned long long stamp = std::strtoull(stamp_text.c_str(), &end, 10);
  if (stamp_text.empty() || *end != '\0' || stamp > 0xffffffffULL) {
    return fail("--timestamp must be seconds since the epoch, got '" + stamp_text + "'");
  }
  auto bytes = image_tools::read_file(path);
  if (!bytes) return fail(bytes.error());
  auto pe = image_tools::parse_pe(*bytes);
  if (!pe) return fail("unable to parse " + path + ": " + pe.error());

  // TimeDateStamp follows Machine and NumberOfSections (2 bytes each).
  const std::size_t timestamp_offset = pe->coff_offset + 4;
  put_le32(*bytes, timestamp_offset, static_cast<std::uint32_t>(stamp));
  put_le32(*bytes, pe->checksum_offset, pe_checksum(*bytes, pe->checksum_offset));

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes->data()),
            static_cast<std::streamsize>(bytes->size()));
  out.close();
  if (!out) return fail("unable to write " + path);
  return 0;
}
