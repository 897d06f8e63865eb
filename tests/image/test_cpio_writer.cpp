// cpio-pack's writer against GNU cpio (the real reader): names, modes,
// owners, the fixed mtime, device numbers, link targets and contents; and
// the manifest errors that must stop a build instead of producing a
// half-right initramfs.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cpio_manifest.hpp"
#include "cpio_writer.hpp"

namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "cpio-test.XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");  // the test's own command line, no user input
  if (pipe == nullptr) return output;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  ::pclose(pipe);
  return output;
}

image_tools::Result<std::vector<image_tools::ListingLine>> pack(const std::string& manifest,
                                                                const TempDir& dir) {
  auto entries = image_tools::parse_manifest(manifest);
  if (!entries) return std::unexpected(entries.error());
  std::ofstream out(dir.path / "out.cpio", std::ios::binary);
  return image_tools::write_cpio(*entries, (dir.path / "stage").string(), 1700000000, out);
}

TEST(CpioWriter, GnuCpioReadsEveryEntryAsDeclared) {
  TempDir dir;
  fs::create_directories(dir.path / "stage/bin");
  std::ofstream(dir.path / "stage/bin/tool") << "#payload\n";
  // Out of order on purpose: the writer sorts.
  auto listing = pack(
      "file /bin/tool 0755 bin/tool\n"
      "dir /bin 0755\n"
      "# comment\n"
      "nod /dev/console 0600 c 5 1\n"
      "dir /dev 0755\n"
      "slink /lib64 0777 lib\n"
      "dir /tmp 1777\n",
      dir);
  ASSERT_TRUE(listing) << listing.error();
  ASSERT_EQ(listing->size(), 6u);
  EXPECT_EQ(listing->front().path, "/bin");

  std::string table = run("cd '" + dir.path.string() +
                          "' && TZ=UTC cpio -itv --quiet --numeric-uid-gid < out.cpio");
  std::istringstream lines(table);
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  ASSERT_EQ(got.size(), 6u) << table;
  EXPECT_EQ(got[0].substr(0, 10), "drwxr-xr-x");
  EXPECT_NE(got[0].find(" 0        0 "), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("Nov 14  2023 bin"), std::string::npos) << got[0];
  EXPECT_EQ(got[1].substr(0, 10), "-rwxr-xr-x");
  EXPECT_NE(got[1].find(" 9 Nov 14  2023 bin/tool"), std::string::npos) << got[1];
  EXPECT_EQ(got[3].substr(0, 10), "crw-------");
  EXPECT_NE(got[3].find(" 5,   1 "), std::string::npos) << got[3];
  EXPECT_EQ(got[4].substr(0, 10), "lrwxrwxrwx");
  EXPECT_NE(got[4].find("lib64 -> lib"), std::string::npos) << got[4];
  EXPECT_EQ(got[5].substr(0, 10), "drwxrwxrwt");

  EXPECT_EQ(
      run("cd '" + dir.path.string() + "' && cpio -i --quiet --to-stdout bin/tool < out.cpio"),
      "#payload\n");
}

TEST(CpioWriter, SameInputGivesSameBytes) {
  TempDir dir;
  fs::create_directories(dir.path / "stage");
  std::ofstream(dir.path / "stage/a") << "a";
  const std::string manifest = "file /a 0644 a\n";
  ASSERT_TRUE(pack(manifest, dir));
  fs::rename(dir.path / "out.cpio", dir.path / "first.cpio");
  fs::permissions(dir.path / "stage/a", fs::perms::owner_read);  // host metadata must not leak
  ASSERT_TRUE(pack(manifest, dir));
  EXPECT_EQ(run("cmp '" + (dir.path / "first.cpio").string() + "' '" +
                (dir.path / "out.cpio").string() + "' && echo same"),
            "same\n");
}

TEST(CpioWriter, RejectsAnEntryWhoseParentIsNotDeclared) {
  TempDir dir;
  auto listing = pack("dir /etc/ssl 0755\n", dir);
  ASSERT_FALSE(listing);
  EXPECT_NE(listing.error().find("parent directory of /etc/ssl"), std::string::npos);
}

TEST(CpioWriter, RejectsDuplicatesAndMissingSources) {
  TempDir dir;
  EXPECT_FALSE(pack("dir /a 0755\ndir /a 0755\n", dir));
  auto missing = pack("file /x 0644 x\n", dir);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("unable to read"), std::string::npos);
}

TEST(CpioManifest, NamesTheBadLine) {
  auto bad_mode = image_tools::parse_manifest("dir /a 0755\ndir /b 99\n");
  ASSERT_FALSE(bad_mode);
  EXPECT_NE(bad_mode.error().find("line 2"), std::string::npos) << bad_mode.error();
  EXPECT_FALSE(image_tools::parse_manifest("file relative 0644 x\n"));
  EXPECT_FALSE(image_tools::parse_manifest("pipe /p 0644\n"));
  EXPECT_FALSE(image_tools::parse_manifest("nod /d 0600 x 1 2\n"));
  EXPECT_FALSE(image_tools::parse_manifest("file /a 0644\n"));
}

}  // namespace
