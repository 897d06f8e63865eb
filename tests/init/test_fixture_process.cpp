// The fixtures' child processes (swtpm, pebble, the daemons under test) must
// not outlive the test that started them, even when ctest SIGKILLs it on a
// timeout: a stray pebble keeps its ports and a stray swtpm its state.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "fixtures/process.hpp"

namespace {

using namespace std::chrono_literals;

// Gone, or a zombie waiting for whoever inherited it.
bool dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close_paren = text.rfind(')');
  return close_paren == std::string::npos || text.size() < close_paren + 3 ||
         text[close_paren + 2] == 'Z';
}

TEST(FixtureProcess, ChildDiesWhenTheTestProcessIsKilled) {
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  const pid_t test_process = fork();
  ASSERT_GE(test_process, 0);
  if (test_process == 0) {
    // Stands for a test binary: starts a fixture, then is killed by "ctest".
    close(report[0]);
    fixtures::Process sleeper(fixtures::ProcessOptions{{"sleep", "600"}, {}, {}, {}});
    const pid_t pid = sleeper.pid();
    if (write(report[1], &pid, sizeof pid) != sizeof pid) _exit(1);
    for (;;) pause();
  }
  close(report[1]);
  pid_t child = -1;
  ASSERT_EQ(read(report[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
  close(report[0]);
  ASSERT_GT(child, 0);
  ASSERT_FALSE(dead(child));

  kill(test_process, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(test_process, &status, 0), test_process);

  const bool died = fixtures::wait_until([&] { return dead(child); }, 5s);
  if (!died) kill(child, SIGKILL);  // do not leave it behind ourselves
  EXPECT_TRUE(died) << "the fixture's child outlived the killed test process";
}

}  // namespace
