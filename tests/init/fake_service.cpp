// A stand-in daemon for init's tests; every behaviour is chosen by a flag:
//   --ready-after-ms=N   send READY=1 (common::notify) after N ms
//   --exit-after-ms=N    exit after N ms with --exit-code=C (default 0)
//   --ignore-sigterm     survive SIGTERM (init must SIGKILL after the timeout)
//   --orphan-ms=N        fork a child that lives N ms more, print its pid
//   --print=TEXT         print a line at start
//   --accept=NAME        serve "hello from NAME" on the inherited socket NAME
//   --identity           print uid, gid, NoNewPrivs and CapEff
//   --read-file=PATH     print the first line of PATH (or the error)
// It always prints "start pid=P mono_ms=T" first, and "got SIGTERM" before
// exiting on SIGTERM.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "common/listen_fds.hpp"
#include "common/notify.hpp"

namespace {

int g_signal_pipe[2] = {-1, -1};

void on_sigterm(int) {
  const char byte = 1;
  [[maybe_unused]] auto n = write(g_signal_pipe[1], &byte, 1);
}

long long monotonic_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string status_field(const std::string& name) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(name + ":", 0) == 0) {
      auto value = line.substr(name.size() + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) continue;
    auto eq = arg.find('=');
    flags[arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)] =
        eq == std::string::npos ? "true" : arg.substr(eq + 1);
  }
  auto number = [&](const std::string& key) -> std::optional<long long> {
    if (!flags.contains(key)) return std::nullopt;
    return std::stoll(flags[key]);
  };
  const long long start = monotonic_ms();
  say("start pid=" + std::to_string(getpid()) + " mono_ms=" + std::to_string(start));

  if (pipe2(g_signal_pipe, O_CLOEXEC) < 0) return 111;
  if (flags.contains("ignore-sigterm")) {
    signal(SIGTERM, SIG_IGN);
  } else {
    signal(SIGTERM, on_sigterm);
  }
  if (flags.contains("print")) say(flags["print"]);
  if (flags.contains("identity")) {
    say("identity uid=" + std::to_string(getuid()) + " gid=" + std::to_string(getgid()) +
        " NoNewPrivs=" + status_field("NoNewPrivs") + " CapEff=" + status_field("CapEff") +
        " CapBnd=" + status_field("CapBnd"));
  }
  if (flags.contains("read-file")) {
    std::ifstream file(flags["read-file"]);
    std::string line;
    if (file && std::getline(file, line)) {
      say("file: " + line);
    } else {
      say("file-error: " + std::string(std::strerror(errno)));
    }
  }
  if (auto ms = number("orphan-ms")) {
    const pid_t child = fork();
    if (child == 0) {
      usleep(static_cast<useconds_t>(*ms * 1000));
      _exit(0);
    }
    say("orphan pid=" + std::to_string(child));
  }
  int listen_fd = -1;
  if (flags.contains("accept")) {
    auto inherited = common::take_listen_fds();
    auto it = inherited.find(flags["accept"]);
    if (it == inherited.end()) {
      say("no inherited socket named " + flags["accept"]);
      return 100;
    }
    listen_fd = it->second;
    say("accepting on fd " + std::to_string(listen_fd));
  }

  std::optional<long long> ready_at, exit_at;
  if (auto ms = number("ready-after-ms")) ready_at = start + *ms;
  if (auto ms = number("exit-after-ms")) exit_at = start + *ms;
  const int exit_code = static_cast<int>(number("exit-code").value_or(0));
  for (;;) {
    const long long now = monotonic_ms();
    if (ready_at && now >= *ready_at) {
      say("sending READY=1");
      if (auto sent = common::notify::ready(); !sent) say("notify failed: " + sent.error().message);
      ready_at.reset();
    }
    if (exit_at && now >= *exit_at) {
      say("exiting with " + std::to_string(exit_code));
      return exit_code;
    }
    long long timeout = -1;
    for (const auto& at : {ready_at, exit_at}) {
      if (at) timeout = timeout < 0 ? *at - now : std::min(timeout, *at - now);
    }
    pollfd fds[2] = {{g_signal_pipe[0], POLLIN, 0}, {listen_fd, POLLIN, 0}};
    const int n = poll(fds, listen_fd >= 0 ? 2 : 1, static_cast<int>(timeout));
    if (n < 0) continue;  // EINTR
    if (fds[0].revents & POLLIN) {
      say("got SIGTERM");
      return 0;
    }
    if (listen_fd >= 0 && (fds[1].revents & POLLIN)) {
      const int client = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        const std::string reply = "hello from " + flags["accept"] + "\n";
        [[maybe_unused]] auto written = write(client, reply.data(), reply.size());
        close(client);
      }
    }
  }
}
