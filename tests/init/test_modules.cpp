#include "init/modules.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fixtures/process.hpp"

namespace {

TEST(KernelModules, SkipsBuiltInsAndGoesOnAfterFailures) {
  // "kernel" is always present in /sys/module (parameters of the core kernel),
  // so a list naming kernel.ko must count it as built in, not fail.
  if (!std::filesystem::exists("/sys/module/kernel")) GTEST_SKIP() << "no /sys/module/kernel";
  fixtures::TempDir dir;
  const auto not_a_module = dir.path() / "not_a_module.ko";
  std::ofstream(not_a_module) << "this is not an ELF object\n";
  const auto list = dir.path() / "modules.list";
  std::ofstream(list) << "# comment\n\n"
                      << "/lib/modules/none/kernel.ko\n"
                      << "/lib/modules/none/definitely_absent_module.ko\n"
                      << not_a_module.string() << "\n";
  auto report = init::load_kernel_modules(list.string());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->already, 1);
  EXPECT_EQ(report->loaded, 0);
  EXPECT_EQ(report->failed, 2);  // absent, and refused by the kernel (or by permission)
}

TEST(KernelModules, MissingListIsAnError) {
  auto report = init::load_kernel_modules("/nonexistent/modules.list");
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("/nonexistent/modules.list"), std::string::npos);
}

}  // namespace
