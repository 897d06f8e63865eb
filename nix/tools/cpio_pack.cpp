// cpio-pack: turns an initramfs manifest plus a staging directory into a
// reproducible cpio newc archive and a listing of what went in.
//
//   cpio-pack --manifest=FILE --root=DIR --mtime=EPOCH --output=FILE --listing=FILE
//
// Exit codes: 0 done, 100 usage or bad input.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "cpio_manifest.hpp"
#include "cpio_writer.hpp"
#include "tool_cli.hpp"

namespace {

int fail(const std::string& message) { return image_tools::fail("cpio-pack", message); }

void write_listing(std::ostream& out, const std::vector<image_tools::ListingLine>& lines) {
  for (const auto& line : lines) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", line.mode);
    out << line.type << ' ' << mode << ' ' << line.size << ' ' << line.sha256 << ' ' << line.path;
    if (!line.detail.empty()) out << ' ' << line.detail;
    out << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = image_tools::parse_flags(argc, argv);
  auto& flags = parsed.single;
  for (const char* required : {"manifest", "root", "mtime", "output", "listing"}) {
    if (!flags.contains(required) || !parsed.malformed.empty()) {
      return fail(
          "usage: cpio-pack --manifest=FILE --root=DIR --mtime=EPOCH "
          "--output=FILE --listing=FILE");
    }
  }
  char* end = nullptr;
  unsigned long long mtime = std::strtoull(flags["mtime"].c_str(), &end, 10);
  if (flags["mtime"].empty() || *end != '\0' || mtime > 0xffffffffULL) {
    return fail("--mtime must be seconds since the epoch, got '" + flags["mtime"] + "'");
  }
  auto text = image_tools::read_file(flags["manifest"]);
  if (!text) return fail(text.error());
  auto entries = image_tools::parse_manifest(std::string(text->begin(), text->end()));
  if (!entries) return fail("unable to parse " + flags["manifest"] + ": " + entries.error());

  std::ofstream archive(flags["output"], std::ios::binary | std::ios::trunc);
  if (!archive) return fail("unable to create " + flags["output"]);
  auto listing = image_tools::write_cpio(std::move(*entries), flags["root"],
                                         static_cast<std::uint32_t>(mtime), archive);
  if (!listing) return fail("unable to write " + flags["output"] + ": " + listing.error());
  archive.close();
  if (!archive) return fail("unable to write " + flags["output"]);

  std::ofstream listing_file(flags["listing"], std::ios::trunc);
  write_listing(listing_file, *listing);
  listing_file.close();
  if (!listing_file) return fail("unable to write " + flags["listing"]);
  return 0;
}
