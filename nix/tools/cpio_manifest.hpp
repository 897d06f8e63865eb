#pragma once
// The initramfs manifest: one entry per line, in the format of the kernel's
// usr/gen_init_cpio, so that the image's contents are a reviewable text file
// rather than whatever a staging directory's metadata happens to be:
//
//   dir   <path> <mode>
//   file  <path> <mode> <source, relative to the staging root>
//   slink <path> <mode> <target>
//   nod   <path> <mode> c|b <major> <minor>
//
// Modes are octal permission bits; owners are always 0:0 (not written).
// Blank lines and lines starting with '#' are ignored.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "file_bytes.hpp"

namespace image_tools {

struct ManifestEntry {
  enum class Kind { dir, file, slink, nod };
  Kind kind = Kind::file;
  std::string path;        // absolute path inside the image, e.g. "/bin/authd"
  std::uint32_t mode = 0;  // permission bits only
  std::string source;      // file: staging-relative source; slink: link target
  bool block_device = false;
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
};

// Parses the manifest text; errors name the line number.
Result<std::vector<ManifestEntry>> parse_manifest(std::string_view text);

}  // namespace image_tools
