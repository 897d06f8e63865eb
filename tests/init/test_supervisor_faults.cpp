// The real init binary under faults and abuse (issue 12, items 15 to 18):
// what a service's user may plant, what a flood costs, a shutdown that cannot
// finish, and an exception that escapes.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "init/notify_socket.hpp"
#include "init/supervisor.hpp"
#include "init_harness.hpp"

namespace {

using namespace std::chrono_literals;
using init_test::InitHarness;

// A service's user owns the directory a copy goes to, and may plant a symlink
// where init writes: root's write must not follow it.
TEST(InitFaults, CopyDoesNotFollowASymlinkPlantedAtItsDestination) {
  fixtures::TempDir dir;
  const auto victim = dir.path() / "victim";
  const auto source = dir.path() / "source";
  fixtures::write_file(victim, "victim-content\n");
  chmod(victim.c_str(), 0644);
  fixtures::write_file(source, "copied-content\n");
  const auto destination = dir.path() / "copy" / "file";
  std::filesystem::create_directories(destination.parent_path());
  std::filesystem::create_symlink(victim, destination.string() + ".tmp");
  InitHarness init(R"(
service low
  exec @FAKE@ --read-file=)" +
                   destination.string() +
                   R"(
  copy )" + source.string() +
                   " " + destination.string() + R"(
  restart never
)");
  ASSERT_TRUE(init.wait_line({"low: file"})) << init.log();
  EXPECT_GE(init.find_line({"low: file: copied-content"}), 0) << init.log();
  EXPECT_EQ(fixtures::read_file(victim), "victim-content\n");
  struct stat info {};
  ASSERT_EQ(stat(victim.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644U);
  ASSERT_EQ(lstat(destination.c_str(), &info), 0);
  EXPECT_TRUE(S_ISREG(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0400U);
}

}  // namespace

namespace {

// A service that does not go away (here: it ignores SIGTERM and its own stop
// timeout is ten minutes; in life, a process in uninterruptible sleep that
// survives SIGKILL) must not keep the machine up: after the table's
// stop-deadline init ends regardless.
TEST(InitFaults, ShutdownEndsAtTheGlobalDeadlineWhateverStillRuns) {
  InitHarness init(R"(
set stop-deadline 1s
service stuck
  exec @FAKE@ --ignore-sigterm --ready-after-ms=0
  ready notify
  stop SIGTERM 600s
)");
  ASSERT_TRUE(init.wait_line({"service ready", "\"stuck\""})) << init.log();
  const int stuck = init.service_status("stuck")["pid"].get<int>();
  ASSERT_EQ(kill(init.process().pid(), SIGTERM), 0);
  auto status = init.process().wait_exit(15s);
  ASSERT_TRUE(status.has_value()) << "init still waits for the service\n" << init.log();
  EXPECT_GE(init.find_line({"\"event\":\"shutdown.deadline_passed\"", "stuck"}), 0) << init.log();
  EXPECT_TRUE(fixtures::wait_until([&] { return kill(stuck, 0) != 0; }, 10s));
}

}  // namespace

namespace {

// As PID 1 (of a PID namespace here), std::terminate must not kill init, which
// would panic the kernel: while a supervisor exists, terminate ends the
// machine per the failure policy. reboot(RB_POWER_OFF) in a child PID
// namespace ends its init as if by SIGINT, which is what the parent sees.
TEST(InitFaults, TerminateAsPid1PowersOffInsteadOfDying) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for a PID namespace";
  fixtures::TempDir dir;
  const auto log_path = dir.path() / "pid1.log";
  const pid_t child = static_cast<pid_t>(syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0));
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) {
    const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd < 0 || dup2(log_fd, 2) < 0 || getpid() != 1) _exit(90);
    boost::asio::io_context io;
    init::ServiceTable table;
    init::Supervisor supervisor(io, table, dir.path().string());
    try {
      throw std::runtime_error("a bug that escaped");
    } catch (...) {
      std::terminate();
    }
  }
  int status = 0;
  ASSERT_TRUE(fixtures::wait_until([&] { return waitpid(child, &status, WNOHANG) == child; }, 20s))
      << fixtures::read_file(log_path);
  const std::string log = fixtures::read_file(log_path);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
      << "status " << status << " (SIGINT means reboot(RB_POWER_OFF) was reached)\n"
      << log;
  EXPECT_NE(log.find("\"event\":\"init.terminated\""), std::string::npos) << log;
  EXPECT_NE(log.find("a bug that escaped"), std::string::npos) << log;
}

}  // namespace

namespace {

// The notify socket is mode 0666: any local process can flood it. One wake
// of the event loop reads a bounded number of datagrams and then yields, so
// that a flood cannot starve the control socket, reaping or timers (the
// kernel queues at most net.unix.max_dgram_qlen, 10 by default: the bound is
// below that).
TEST(InitFaults, TheNotifySocketReadsABoundedNumberOfDatagramsPerWake) {
  fixtures::TempDir dir;
  boost::asio::io_context io;
  int heard = 0;
  auto notify = init::NotifySocket::open(io, (dir.path() / "notify.sock").string(),
                                         [&](pid_t, std::string_view) { ++heard; });
  ASSERT_TRUE(notify) << notify.error().message;
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, (*notify)->path().c_str(), (*notify)->path().size() + 1);
  int sent = 0;
  constexpr std::string_view kMessage = "STATUS=flood";
  while (sendto(fd, kMessage.data(), kMessage.size(), MSG_DONTWAIT,
                reinterpret_cast<sockaddr*>(&address), sizeof address) >= 0) {
    ++sent;
  }
  close(fd);
  ASSERT_GE(sent, 9) << "the kernel queued too few datagrams to tell";
  bool other_work_ran = false;
  boost::asio::post(io, [&] { other_work_ran = true; });
  io.run_one();  // the posted handler
  io.run_one();  // one wake of the notify socket
  EXPECT_TRUE(other_work_ran);
  EXPECT_GT(heard, 0);
  EXPECT_LE(heard, static_cast<int>(init::NotifySocket::kMaxDatagramsPerWake));
  EXPECT_LT(heard, sent) << "one wake read the whole queue";
  io.poll();
  EXPECT_EQ(heard, sent) << "the rest must be read on later wakes";
}

}  // namespace
