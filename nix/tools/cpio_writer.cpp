#include "cpio_writer.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include "sha256.hpp"

namespace image_tools {
namespace {

constexpr std::uint32_t kTypeDir = 0040000;
constexpr std::uint32_t kTypeFile = 0100000;
constexpr std::uint32_t kTypeLink = 0120000;
constexpr std::uint32_t kTypeChar = 0020000;
constexpr std::uint32_t kTypeBlock = 0060000;

struct Header {
  std::uint32_t ino = 0;
  std::uint32_t mode = 0;
  std::uint32_t nlink = 1;
  std::uint32_t mtime = 0;
  std::uint32_t size = 0;
  std::uint32_t rdev_major = 0;
  std::uint32_t rdev_minor = 0;
};

void pad4(std::ostream& out, std::uint64_t written) {
  static constexpr std::array<char, 3> kZeros{};
  out.write(kZeros.data(), static_cast<std::streamsize>((4 - written % 4) % 4));
}

// newc: magic, 13 fields of 8 hex digits, the NUL-terminated name, padding
// to 4 bytes; then the data, padded to 4 bytes.
void write_entry(std::ostream& out, const Header& h, const std::string& name,
                 const std::string& data) {
  const std::array<std::uint32_t, 13> fields = {h.ino,
                                                h.mode,
                                                0,
                                                0,
                                                h.nlink,
                                                h.mtime,
                                                h.size,
                                                0,
                                                0,
                                                h.rdev_major,
                                                h.rdev_minor,
                                                static_cast<std::uint32_t>(name.size() + 1),
                                                0};
  std::string header = "070701";
  for (std::uint32_t field : fields) {
    std::array<char, 9> hex{};
    std::snprintf(hex.data(), hex.size(), "%08X", field);
    header.append(hex.data(), 8);
  }
  out << header << name << '\0';
  pad4(out, header.size() + name.size() + 1);
  out << data;
  pad4(out, data.size());
}

std::string sha256_hex(const std::string& data) {
  return to_hex(
      Sha256::of(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())));
}

std::string parent_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

Result<void> validate(const std::vector<ManifestEntry>& sorted) {
  std::set<std::string> dirs;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& entry = sorted[i];
    if (i > 0 && sorted[i - 1].path == entry.path) {
      return std::unexpected("duplicate manifest entry " + entry.path);
    }
    std::string parent = parent_of(entry.path);
    if (!parent.empty() && !dirs.contains(parent)) {
      return std::unexpected("parent directory of " + entry.path + " is not in the manifest");
    }
    if (entry.kind == ManifestEntry::Kind::dir) dirs.insert(entry.path);
  }
  return {};
}

}  // namespace

Result<std::vector<ListingLine>> write_cpio(std::vector<ManifestEntry> entries,
                                            const std::string& staging_root, std::uint32_t mtime,
                                            std::ostream& out) {
  std::sort(entries.begin(), entries.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.path < b.path; });
  if (auto valid = validate(entries); !valid) return std::unexpected(valid.error());

  std::vector<ListingLine> listing;
  std::uint32_t ino = 0;
  for (const auto& entry : entries) {
    Header h;
    h.ino = ++ino;
    h.mode = entry.mode;
    h.mtime = mtime;
    std::string data;
    ListingLine line;
    line.mode = entry.mode;
    line.sha256 = "-";
    line.path = entry.path;
    switch (entry.kind) {
      case ManifestEntry::Kind::dir:
        h.mode |= kTypeDir;
        h.nlink = 2;
        line.type = "dir";
        break;
      case ManifestEntry::Kind::file: {
        auto bytes = read_file(staging_root + "/" + entry.source);
        if (!bytes) return std::unexpected(bytes.error());
        data.assign(bytes->begin(), bytes->end());
        h.mode |= kTypeFile;
        line.type = "file";
        line.sha256 = sha256_hex(data);
        break;
      }
      case ManifestEntry::Kind::slink:
        data = entry.source;
        h.mode |= kTypeLink;
        line.type = "slink";
        line.sha256 = sha256_hex(data);
        line.detail = "-> " + entry.source;
        break;
      case ManifestEntry::Kind::nod:
        h.mode |= entry.block_device ? kTypeBlock : kTypeChar;
        h.rdev_major = entry.major;
        h.rdev_minor = entry.minor;
        line.type = "nod";
        line.detail = std::string(entry.block_device ? "b " : "c ") + std::to_string(entry.major) +
                      " " + std::to_string(entry.minor);
        break;
    }
    if (data.size() > 0xffffffffu) return std::unexpected(entry.path + " is larger than 4 GiB");
    h.size = static_cast<std::uint32_t>(data.size());
    line.size = data.size();
    write_entry(out, h, entry.path.substr(1), data);
    listing.push_back(std::move(line));
  }
  write_entry(out, Header{}, "TRAILER!!!", "");
  if (!out) return std::unexpected("unable to write the archive");
  return listing;
}

}  // namespace image_tools
