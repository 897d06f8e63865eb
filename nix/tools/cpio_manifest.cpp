#include "cpio_manifest.hpp"

#include <charconv>
#include <sstream>

namespace image_tools {
namespace {

std::vector<std::string> split_fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  return fields;
}

Result<std::uint32_t> parse_number(const std::string& text, int base) {
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::unexpected("not a number: '" + text + "'");
  }
  return value;
}

Result<ManifestEntry> parse_entry(const std::vector<std::string>& f) {
  static const std::vector<std::pair<std::string_view, std::size_t>> kArity = {
      {"dir", 3}, {"file", 4}, {"slink", 4}, {"nod", 6}};
  ManifestEntry entry;
  std::size_t arity = 0;
  for (std::size_t i = 0; i < kArity.size(); ++i) {
    if (f[0] == kArity[i].first) {
      entry.kind = static_cast<ManifestEntry::Kind>(i);
      arity = kArity[i].second;
    }
  }
  if (arity == 0) return std::unexpected("unknown entry type '" + f[0] + "'");
  if (f.size() != arity)
    return std::unexpected("'" + f[0] + "' takes " + std::to_string(arity - 1) + " fields");
  if (f[1].empty() || f[1][0] != '/' || f[1] == "/") {
    return std::unexpected("path must be absolute and not '/': '" + f[1] + "'");
  }
  entry.path = f[1];
  auto mode = parse_number(f[2], 8);
  if (!mode || *mode > 07777) return std::unexpected("bad mode '" + f[2] + "'");
  entry.mode = *mode;
  if (entry.kind == ManifestEntry::Kind::file || entry.kind == ManifestEntry::Kind::slink) {
    entry.source = f[3];
  }
  if (entry.kind == ManifestEntry::Kind::nod) {
    if (f[3] != "c" && f[3] != "b") return std::unexpected("device type must be c or b");
    entry.block_device = f[3] == "b";
    auto major = parse_number(f[4], 10);
    auto minor = parse_number(f[5], 10);
    if (!major || !minor) return std::unexpected("bad device numbers");
    entry.major = *major;
    entry.minor = *minor;
  }
  return entry;
}

}  // namespace

Result<std::vector<ManifestEntry>> parse_manifest(std::string_view text) {
  std::vector<ManifestEntry> entries;
  std::istringstream in{std::string(text)};
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    auto fields = split_fields(line);
    if (fields.empty() || fields[0].starts_with('#')) continue;
    auto entry = parse_entry(fields);
    if (!entry) {
      return std::unexpected("manifest line " + std::to_string(line_number) + ": " + entry.error());
    }
    entries.push_back(std::move(*entry));
  }
  return entries;
}

}  // namespace image_tools
