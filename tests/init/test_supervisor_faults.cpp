// The real init binary under faults and abuse (issue 12, items 15 to 18):
// what a service's user may plant, what a flood costs, a shutdown that cannot
// finish, and an exception that escapes.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
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
#include <regex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "init/notify_socket.hpp"
#include "init/output_capture.hpp"
#include "init/service_table.hpp"
#include "init/spawn.hpp"
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
  ASSERT_TRUE(init.wait_line({"\"event\":\"service.ready\"", "\"stuck\""})) << init.log();
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

namespace {

// Resource limits per service, from the table, applied before exec.
TEST(InitFaults, ServiceTableLimitsAreAppliedToTheService) {
  InitHarness init(R"(
service limited
  exec @FAKE@ --ready-after-ms=0
  ready notify
  limit nofile 123 456
  limit core 0
)");
  ASSERT_TRUE(init.wait_line({"\"event\":\"service.ready\"", "\"limited\""})) << init.log();
  const int pid = init.service_status("limited")["pid"].get<int>();
  const std::string limits = fixtures::read_file("/proc/" + std::to_string(pid) + "/limits");
  EXPECT_TRUE(std::regex_search(limits, std::regex("Max open files +123 +456 "))) << limits;
  EXPECT_TRUE(std::regex_search(limits, std::regex("Max core file size +0 +0 "))) << limits;
}

TEST(InitFaults, ServiceTableLimitsAreChecked) {
  for (const char* bad : {"limit nofile", "limit nofile 10 5", "limit frobs 1", "limit nofile x"}) {
    auto table = init::parse_service_table(std::string("service a\n  exec /bin/true\n  ") + bad,
                                           "services.conf");
    EXPECT_FALSE(table) << bad;
  }
  auto table = init::parse_service_table(
      "service a\n  exec /bin/true\n  limit nofile 1024\n  limit as infinity\n", "services.conf");
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->services[0].limits.size(), 2U);
  EXPECT_EQ(table->services[0].limits[0].soft, 1024U);
  EXPECT_EQ(table->services[0].limits[0].hard, 1024U);
}

}  // namespace

namespace {

void on_alarm(int) {}

// A signal handled without SA_RESTART interrupts a console write that is
// blocked (a slow serial console, a full pipe): the line is retried, not
// dropped. Here the console is a full pipe that a reader drains only after
// the signal has interrupted the write.
TEST(InitFaults, AConsoleWriteInterruptedByASignalIsRetried) {
  int console[2];
  ASSERT_EQ(pipe2(console, O_CLOEXEC), 0);
  const int saved_stderr = dup(2);
  ASSERT_GE(saved_stderr, 0);
  // Fill the pipe so that the next write blocks.
  fcntl(console[1], F_SETFL, O_NONBLOCK);
  const std::string filler(4096, 'f');
  std::size_t filled = 0;
  for (ssize_t n; (n = write(console[1], filler.data(), filler.size())) > 0;) filled += n;
  fcntl(console[1], F_SETFL, 0);
  struct sigaction action {};
  action.sa_handler = on_alarm;  // no SA_RESTART: write(2) returns EINTR
  struct sigaction previous {};
  ASSERT_EQ(sigaction(SIGALRM, &action, &previous), 0);

  std::string drained;
  std::thread reader;
  {
    // The reader must not take SIGALRM: block it there.
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &alarm, &old);
    reader = std::thread([&] {
      std::this_thread::sleep_for(400ms);  // after the alarm below
      char buffer[65536];
      for (ssize_t n; (n = read(console[0], buffer, sizeof buffer)) > 0;) drained.append(buffer, n);
    });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
  itimerval once{};
  once.it_value.tv_usec = 100000;
  setitimer(ITIMER_REAL, &once, nullptr);
  dup2(console[1], 2);
  init::write_console_line("svc", "the line that must arrive");
  dup2(saved_stderr, 2);
  close(saved_stderr);
  close(console[1]);
  reader.join();
  close(console[0]);
  sigaction(SIGALRM, &previous, nullptr);
  EXPECT_EQ(drained.size(), filled + std::string("svc: the line that must arrive\n").size());
  EXPECT_NE(drained.find("svc: the line that must arrive\n"), std::string::npos);
}

}  // namespace

namespace {

TEST(InitFaults, StopDeadlineIsParsedAndChecked) {
  auto table = init::parse_service_table("set stop-deadline 90s\n", "services.conf");
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->settings.stop_deadline, std::chrono::seconds(90));
  EXPECT_EQ(init::ServiceTable{}.settings.stop_deadline, std::chrono::seconds(60));
  for (const char* bad :
       {"set stop-deadline\n", "set stop-deadline 0s\n", "set stop-deadline x\n"}) {
    EXPECT_FALSE(init::parse_service_table(bad, "services.conf")) << bad;
  }
}

}  // namespace

namespace {

// init's signal handlers write to a pipe it shares with its children (asio's
// signal_set does): if one ran in a child between fork and the child's reset
// of the handlers, init would hear a signal nobody sent it. Every signal is
// blocked in the parent across fork, and the child resets then unblocks.
// Here a thread hammers the process group with a signal while services are
// spawned; the handler reports any run in a process other than the parent.
pid_t signal_test_parent = 0;
int signal_test_report = -1;

void report_foreign_handler_run(int) {
  const pid_t self = getpid();
  if (self != signal_test_parent) {
    [[maybe_unused]] auto written = write(signal_test_report, &self, sizeof self);
  }
}

int count_handler_runs_in_children(int spawns) {
  setpgid(0, 0);  // the hammer reaches this process and its children only
  int report[2];
  if (pipe2(report, O_CLOEXEC | O_NONBLOCK) < 0) return -1;
  signal_test_parent = getpid();
  signal_test_report = report[1];
  struct sigaction action {};
  action.sa_handler = report_foreign_handler_run;
  action.sa_flags = SA_RESTART;
  sigaction(SIGWINCH, &action, nullptr);
  std::atomic<bool> done = false;
  std::thread hammer([&] {
    while (!done) kill(0, SIGWINCH);
  });
  const int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  for (int i = 0; i < spawns; ++i) {
    init::SpawnRequest request;
    request.argv = {"/bin/true"};
    request.output_fd = null_fd;
    if (auto pid = init::spawn_service(request)) waitpid(*pid, nullptr, 0);
  }
  done = true;
  hammer.join();
  int runs = 0;
  pid_t pid = 0;
  while (read(report[0], &pid, sizeof pid) == sizeof pid) ++runs;
  return runs;
}

// What the parent blocks or ignores (SIG_IGN survives exec) does not reach
// the service: it starts with the empty mask and default dispositions.
TEST(InitFaults, AServiceStartsWithNoSignalBlockedOrIgnored) {
  fixtures::TempDir dir;
  const auto status = dir.path() / "status";
  sigset_t blocked, previous_mask;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &blocked, &previous_mask);
  const auto previous_pipe = signal(SIGPIPE, SIG_IGN);
  const int out = open(status.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  init::SpawnRequest request;
  request.argv = {"/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"};
  request.output_fd = out;
  auto pid = init::spawn_service(request);
  if (pid) waitpid(*pid, nullptr, 0);
  close(out);
  signal(SIGPIPE, previous_pipe);
  pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  ASSERT_TRUE(pid) << pid.error().message;
  const auto text = fixtures::read_file(status);
  EXPECT_NE(text.find("SigBlk:\t0000000000000000"), std::string::npos) << text;
  EXPECT_NE(text.find("SigIgn:\t0000000000000000"), std::string::npos) << text;
}

TEST(InitFaultsDeathTest, NoParentSignalHandlerRunsInAChildBeforeExec) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        const int runs = count_handler_runs_in_children(300);
        std::fprintf(stderr, "handler runs in children: %d\n", runs);
        std::_Exit(runs == 0 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "handler runs in children: 0");
}

}  // namespace
