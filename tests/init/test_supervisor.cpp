// The real init binary, as a subreaper, supervising fake_service instances.
// Every wait is on a condition (a log line, a status field, /proc) with a
// deadline; order is checked from the log, never from timing.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "init_harness.hpp"

namespace {

using namespace std::chrono_literals;
using init_test::InitHarness;

// "start pid=123 mono_ms=456" printed by fake_service, as forwarded by init.
long long mono_ms_of(const std::string& line) {
  std::smatch match;
  if (!std::regex_search(line, match, std::regex("mono_ms=([0-9]+)"))) return -1;
  return std::stoll(match[1]);
}

long long monotonic_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

int pid_of(const InitHarness& init, const std::string& service) {
  auto status = init.service_status(service);
  return status.is_object() ? status["pid"].get<int>() : 0;
}

bool is_zombie_or_alive(int pid) { return std::filesystem::exists("/proc/" + std::to_string(pid)); }

TEST(Init, BrokenTableExitsWithCodeAndLine) {
  InitHarness init("service a\n  exec /bin/true\n  exce /bin/false\n");
  auto status = init.process().wait_exit(20s);
  ASSERT_TRUE(status.has_value()) << init.log();
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 100);
  EXPECT_NE(init.log().find("services.conf:3: unknown keyword 'exce'"), std::string::npos)
      << init.log();
}

TEST(Init, UnknownFlagIsAUsageError) {
  InitHarness init("", {"--frobnicate"});
  auto status = init.process().wait_exit(20s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 100);
}

TEST(Init, StartsAServiceOnlyAfterItsDependencyIsReady) {
  InitHarness init(R"(
service b
  exec @FAKE@ --print=b-started
  after a
service a
  exec @FAKE@ --ready-after-ms=300 --print=a-started
  ready notify
)");
  ASSERT_TRUE(init.wait_line({"b: b-started"})) << init.log();
  const int a_ready_sent = init.find_line({"a: sending READY=1"});
  const int a_ready = init.find_line({"\"event\":\"service.ready\"", "\"a\""});
  const int b_started = init.find_line({"\"event\":\"service.started\"", "\"b\""});
  ASSERT_GE(a_ready_sent, 0) << init.log();
  ASSERT_GE(a_ready, 0) << init.log();
  EXPECT_LT(a_ready_sent, a_ready);
  EXPECT_LT(a_ready, b_started) << init.log();
  auto a = init.service_status("a");
  EXPECT_EQ(a["state"], "running");
}

TEST(Init, KilledServiceRestartsWithGrowingBackOff) {
  InitHarness init(R"(
service crashy
  exec @FAKE@ --ready-after-ms=0
  ready notify
  backoff 200ms 5s
  stable 1m
)");
  std::vector<long long> gaps;
  for (int round = 0; round < 3; ++round) {
    int pid = 0;
    ASSERT_TRUE(fixtures::wait_until(
        [&] {
          auto s = init.service_status("crashy");
          if (!s.is_object() || s["state"] != "running") return false;
          pid = s["pid"].get<int>();
          return s["restarts"].get<int>() == round;
        },
        20s))
        << init.log();
    const long long killed_at = monotonic_ms();
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    // The next start's own clock reading, printed by fake_service.
    int next_pid = 0;
    ASSERT_TRUE(fixtures::wait_until(
        [&] {
          next_pid = pid_of(init, "crashy");
          return next_pid != 0 && next_pid != pid;
        },
        20s))
        << init.log();
    const std::string needle = "crashy: start pid=" + std::to_string(next_pid) + " ";
    ASSERT_TRUE(init.wait_line({needle})) << init.log();
    const auto lines = init.lines();
    gaps.push_back(mono_ms_of(lines.at(static_cast<std::size_t>(init.find_line({needle})))) -
                   killed_at);
  }
  // init says exactly which delays it chose (no jitter for restarts) ...
  const auto log = init.log();
  const auto first = log.find("\"delay_ms\":200");
  const auto second = log.find("\"delay_ms\":400");
  const auto third = log.find("\"delay_ms\":800");
  ASSERT_NE(first, std::string::npos) << log;
  ASSERT_NE(second, std::string::npos) << log;
  ASSERT_NE(third, std::string::npos) << log;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  // ... and each observed gap honours its delay. (Comparing the gaps with
  // each other would be a timing assertion: a slow start, e.g. under ASan,
  // can add more than the difference between two delays.)
  EXPECT_GE(gaps[0], 200);
  EXPECT_GE(gaps[1], 400);
  EXPECT_GE(gaps[2], 800);
  auto status = init.service_status("crashy");
  EXPECT_EQ(status["restarts"], 3);
  EXPECT_EQ(status["last_exit"]["signal"], SIGKILL);
}

TEST(Init, ReapsAnOrphanedGrandchild) {
  InitHarness init(R"(
service parent
  exec @FAKE@ --orphan-ms=300 --exit-after-ms=0
  restart never
)");
  ASSERT_TRUE(init.wait_line({"parent: orphan pid="})) << init.log();
  const auto line =
      init.lines().at(static_cast<std::size_t>(init.find_line({"parent: orphan pid="})));
  const int orphan = std::stoi(line.substr(line.find("pid=") + 4));
  ASSERT_TRUE(init.wait_line({"\"event\":\"service.stopped\"", "\"parent\""})) << init.log();
  // Once the orphan exits, its /proc entry disappears only if someone reaped
  // it: a zombie would keep it.
  EXPECT_TRUE(fixtures::wait_until([&] { return !is_zombie_or_alive(orphan); }, 20s))
      << "orphan " << orphan << " left as a zombie\n"
      << init.log();
  EXPECT_TRUE(init.wait_line({"\"event\":\"process.orphan_reaped\"", std::to_string(orphan)}))
      << init.log();
}

TEST(Init, StopsInReverseOrderAndKillsAfterTheTimeout) {
  InitHarness init(R"(
service a
  exec @FAKE@ --ready-after-ms=0
  ready notify
service b
  exec @FAKE@ --ready-after-ms=0
  ready notify
  after a
service c
  exec @FAKE@ --ignore-sigterm --ready-after-ms=0
  ready notify
  after b
  stop SIGTERM 300ms
)");
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        auto c = init.service_status("c");
        return c.is_object() && c["state"] == "running";
      },
      20s))
      << init.log();
  ASSERT_EQ(kill(init.process().pid(), SIGTERM), 0);
  auto status = init.process().wait_exit(20s);
  ASSERT_TRUE(status.has_value()) << init.log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << init.log();
  const int c_killed = init.find_line({"\"event\":\"service.killed\"", "\"c\""});
  const int c_stopped = init.find_line({"\"event\":\"service.stopped\"", "\"c\"", "\"signal\":9"});
  const int b_term = init.find_line({"b: got SIGTERM"});
  const int b_stopped = init.find_line({"\"event\":\"service.stopped\"", "\"b\""});
  const int a_term = init.find_line({"a: got SIGTERM"});
  const int a_stopped = init.find_line({"\"event\":\"service.stopped\"", "\"a\""});
  ASSERT_GE(c_killed, 0) << init.log();
  ASSERT_GE(c_stopped, 0) << init.log();
  ASSERT_GE(b_term, 0) << init.log();
  ASSERT_GE(a_term, 0) << init.log();
  EXPECT_LT(c_killed, c_stopped);
  EXPECT_LT(c_stopped, b_term) << init.log();
  EXPECT_LT(b_term, b_stopped);
  EXPECT_LT(b_stopped, a_term) << init.log();
  EXPECT_LT(a_term, a_stopped);
}

TEST(Init, ServiceNotReadyInTimeIsStoppedAndRestarted) {
  InitHarness init(R"(
service mute
  exec @FAKE@
  ready notify 300ms
  backoff 100ms 1s
  stop SIGTERM 2s
)");
  ASSERT_TRUE(init.wait_line({"\"event\":\"service.not_ready\"", "\"mute\""})) << init.log();
  ASSERT_TRUE(init.wait_line({"mute: got SIGTERM"})) << init.log();
  // Started again after the back-off, as after any failure.
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        auto mute = init.service_status("mute");
        return mute.is_object() && mute["restarts"].get<int>() >= 1;
      },
      20s))
      << init.log();
  const int timed_out = init.find_line({"\"event\":\"service.not_ready\"", "\"mute\""});
  const int restarted = init.find_line({"\"event\":\"service.restart_scheduled\"", "\"mute\""});
  ASSERT_GE(restarted, 0) << init.log();
  EXPECT_LT(timed_out, restarted) << init.log();
}

TEST(Init, ControlSocketStatusAndRestart) {
  InitHarness init(R"(
service one
  exec @FAKE@ --ready-after-ms=0
  ready notify
service two
  exec @FAKE@
  restart never
  after one
)");
  ASSERT_TRUE(fixtures::wait_until([&] { return pid_of(init, "two") > 0; }, 20s)) << init.log();
  auto status = init.call("status");
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_EQ((*status)["services"].size(), 2U);
  const auto& one = (*status)["services"][0];
  EXPECT_EQ(one["name"], "one");
  EXPECT_EQ(one["state"], "running");
  EXPECT_GT(one["pid"].get<int>(), 0);
  EXPECT_EQ(one["restarts"], 0);
  EXPECT_TRUE(one["last_exit"].is_null());
  EXPECT_TRUE(one["uptime_seconds"].is_number_integer());

  const int old_pid = one["pid"].get<int>();
  auto restarted = init.call("restart", {{"service", "one"}});
  ASSERT_TRUE(restarted) << restarted.error().message;
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        auto s = init.service_status("one");
        return s.is_object() && s["state"] == "running" && s["pid"] != old_pid;
      },
      20s))
      << init.log();
  auto after = init.service_status("one");
  EXPECT_EQ(after["restarts"], 1);
  EXPECT_EQ(after["last_exit"]["code"], 0);  // it exited on SIGTERM by itself

  auto unknown = init.call("restart", {{"service", "nope"}});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("nope"), std::string::npos);
  auto malformed = init.call("restart", {{"service", 5}});
  EXPECT_FALSE(malformed);
}

// egressd over its cap asks for this: the same orderly stop as SIGTERM or
// the power button (as PID 1, init then powers the machine off).
TEST(Init, ControlSocketPowerOffStopsInReverseOrder) {
  InitHarness init(R"(
service a
  exec @FAKE@ --ready-after-ms=0
  ready notify
service b
  exec @FAKE@ --ready-after-ms=0
  ready notify
  after a
)");
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        auto b = init.service_status("b");
        return b.is_object() && b["state"] == "running";
      },
      20s))
      << init.log();
  auto answer = init.call(common::contract::init::poweroff);
  ASSERT_TRUE(answer) << answer.error().message;
  auto status = init.process().wait_exit(20s);
  ASSERT_TRUE(status.has_value()) << init.log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << init.log();
  const int requested = init.find_line({"\"event\":\"control.poweroff\""});
  const int b_term = init.find_line({"b: got SIGTERM"});
  const int a_term = init.find_line({"a: got SIGTERM"});
  ASSERT_GE(requested, 0) << init.log();
  ASSERT_GE(b_term, 0) << init.log();
  EXPECT_LT(requested, b_term);
  EXPECT_LT(b_term, a_term) << init.log();
  EXPECT_GE(init.find_line({"\"event\":\"init.services_stopped\""}), 0) << init.log();
}

TEST(Init, HandsOverAListeningSocket) {
  const int port = fixtures::free_tcp_port();
  InitHarness init(R"(
service web
  exec @FAKE@ --accept=http --ready-after-ms=0
  ready notify
  socket http tcp 127.0.0.1:)" +
                   std::to_string(port) + "\n");
  ASSERT_TRUE(init.wait_line({"\"event\":\"service.ready\"", "\"web\""})) << init.log();
  auto reply = fixtures::run_command({"nc", "-q", "1", "127.0.0.1", std::to_string(port)}, 20s);
  EXPECT_EQ(reply.output, "hello from http\n") << init.log();
  // A restart keeps the socket: the next process serves the same port.
  ASSERT_TRUE(init.call("restart", {{"service", "web"}}));
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        auto s = init.service_status("web");
        return s.is_object() && s["restarts"] == 1 && s["state"] == "running";
      },
      20s));
  reply = fixtures::run_command({"nc", "-q", "1", "127.0.0.1", std::to_string(port)}, 20s);
  EXPECT_EQ(reply.output, "hello from http\n") << init.log();
}

TEST(Init, DropsPrivilegesAndGrantsAccess) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  fixtures::TempDir secret_dir;
  chmod(secret_dir.path().c_str(), 0755);
  const auto secret = secret_dir.path() / "device";
  std::ofstream(secret) << "granted-content\n";
  chmod(secret.c_str(), 0600);
  const auto copied = secret_dir.path() / "copy" / "log";
  // The services run as nobody, who may not reach the build tree (a checkout
  // under /root is 0700): give them their own copy of the program.
  const auto program = secret_dir.path() / "fake_service";
  std::filesystem::copy_file(FAKE_SERVICE, program);
  InitHarness init(R"(
service low
  exec )" + program.string() +
                   R"( --identity --read-file=)" + copied.string() + R"(
  user 65534
  group 65534
  grant )" + secret.string() +
                   R"( r
  copy )" + secret.string() +
                   " " + copied.string() + R"(
  rundir low
  restart never
service reader
  exec )" + program.string() +
                   R"( --read-file=)" + secret.string() + R"(
  user 65534
  group 65534
  restart never
  after low
)");
  ASSERT_TRUE(init.wait_line({"low: identity"})) << init.log();
  EXPECT_GE(init.find_line({"low: identity uid=65534 gid=65534 NoNewPrivs=1 "
                            "CapEff=0000000000000000 CapBnd=0000000000000000"}),
            0)
      << init.log();
  ASSERT_TRUE(init.wait_line({"low: file"})) << init.log();
  EXPECT_GE(init.find_line({"low: file: granted-content"}), 0) << init.log();
  ASSERT_TRUE(init.wait_line({"reader: file"})) << init.log();
  EXPECT_GE(init.find_line({"reader: file: granted-content"}), 0) << init.log();
  struct stat info {};
  ASSERT_EQ(stat(secret.c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 65534U);
  EXPECT_EQ(info.st_gid, 65534U);
  // The service's group gets the user's access, so that a second service
  // run with that group shares the device (egressd and attestd's TPM).
  EXPECT_EQ(info.st_mode & 0777, 0440U);
  ASSERT_EQ(stat((init.dir() / "low").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 65534U);
}

TEST(Init, ExecFailureIsLoggedAndBackedOff) {
  InitHarness init(R"(
service ghost
  exec /nonexistent/program
  backoff 100ms 100ms
)");
  ASSERT_TRUE(init.wait_line({"\"event\":\"service.start_failed\"", "ghost", "No such file"})) << init.log();
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        auto s = init.service_status("ghost");
        return s.is_object() && s["restarts"].get<int>() >= 2;
      },
      20s))
      << init.log();
}

}  // namespace
