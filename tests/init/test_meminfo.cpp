// read_meminfo parses the kernel's format and refuses a file without the
// two figures it reports.

#include "init/meminfo.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "fixtures/process.hpp"

namespace {

TEST(InitMeminfo, ReadsTotalAndAvailable) {
  fixtures::TempDir dir;
  const auto path = dir.path() / "meminfo";
  std::ofstream(path) << "MemTotal:        1004396 kB\nMemFree:          811220 kB\n"
                         "MemAvailable:     870112 kB\nBuffers:               0 kB\n";
  auto info = init::read_meminfo(path.string());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->total_kib, 1004396);
  EXPECT_EQ(info->available_kib, 870112);
}

TEST(InitMeminfo, MissingFiguresOrFileAreNoAnswer) {
  fixtures::TempDir dir;
  const auto path = dir.path() / "meminfo";
  std::ofstream(path) << "MemTotal: 1004396 kB\ngarbage\n";
  EXPECT_FALSE(init::read_meminfo(path.string()).has_value());
  EXPECT_FALSE(init::read_meminfo((dir.path() / "absent").string()).has_value());
}

TEST(InitMeminfo, ThisMachineHasMemory) {
  auto info = init::read_meminfo();
  ASSERT_TRUE(info.has_value());
  EXPECT_GT(info->total_kib, 0);
  EXPECT_LE(info->available_kib, info->total_kib);
}

}  // namespace
