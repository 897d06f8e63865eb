#pragma once
// Writes a cpio "newc" archive (what the kernel unpacks as initramfs) from a
// manifest, deterministically: entries sorted by path, inode numbers counted
// from 1 in that order, owners 0:0, one fixed mtime, modes from the manifest.
// Nothing of the staging directory's metadata (owner, mode, time, inode)
// reaches the archive, only file contents.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "cpio_manifest.hpp"

namespace image_tools {

struct ListingLine {
  std::string type;  // dir, file, slink, nod
  std::uint32_t mode = 0;
  std::uint64_t size = 0;
  std::string sha256;  // of the file contents or the link target; "-" otherwise
  std::string path;
  std::string detail;  // link target or "c major minor"
};

// Sorts and validates entries (no duplicates, every parent a declared dir),
// then writes the archive. Returns one listing line per entry, in archive order.
Result<std::vector<ListingLine>> write_cpio(std::vector<ManifestEntry> entries,
                                            const std::string& staging_root, std::uint32_t mtime,
                                            std::ostream& out);

}  // namespace image_tools
