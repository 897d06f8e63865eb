// Socket locations and the uids a socket admits.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <gtest/gtest.h>

#include "common/ipc_contracts.hpp"

namespace {

namespace contract = common::contract;

TEST(IpcContracts, RuntimeDirFollowsTheEnvironment) {
  const char* saved = std::getenv("APPLIANCE_RUN_DIR");
  std::string restore = saved != nullptr ? saved : "";
  ::unsetenv("APPLIANCE_RUN_DIR");
  EXPECT_EQ(contract::runtime_dir(), "/run");
  EXPECT_EQ(contract::socket_path(contract::acmed::socket), "/run/acmed/ipc.sock");
  ::setenv("APPLIANCE_RUN_DIR", "/tmp/x", 1);
  EXPECT_EQ(contract::socket_path(contract::init::socket), "/tmp/x/init/control.sock");
  if (saved != nullptr) {
    ::setenv("APPLIANCE_RUN_DIR", restore.c_str(), 1);
  } else {
    ::unsetenv("APPLIANCE_RUN_DIR");
  }
}

TEST(IpcContracts, AllowedUidsAreExistingCallersPlusOurselves) {
  const std::array<std::string_view, 3> callers = {"root", "no-such-user-for-appliance-test",
                                                   "nobody"};
  auto uids = contract::allowed_uids(callers);
  EXPECT_TRUE(std::find(uids.begin(), uids.end(), 0U) != uids.end());
  EXPECT_TRUE(std::find(uids.begin(), uids.end(), ::getuid()) != uids.end());
  // root, nobody and ourselves (perhaps root again): never the missing user.
  EXPECT_LE(uids.size(), 3U);
  EXPECT_TRUE(std::is_sorted(uids.begin(), uids.end()));

  auto just_us = contract::allowed_uids(contract::authd::callers);
  EXPECT_TRUE(std::find(just_us.begin(), just_us.end(), ::getuid()) != just_us.end());
}

}  // namespace
