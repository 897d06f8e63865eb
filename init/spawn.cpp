#include "init/spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace init {
namespace {

using common::Error;

// What the child reports through the exec pipe when a step fails.
struct ChildFailure {
  int step;
  int error;
};

constexpr const char* kSteps[] = {"setsid",
                                  "redirect stdio",
                                  "place listening sockets",
                                  "close descriptors",
                                  "chdir /",
                                  "set resource limits",
                                  "drop capabilities",
                                  "setgroups",
                                  "setgid",
                                  "setuid",
                                  "set no_new_privs",
                                  "exec"};

enum Step {
  step_setsid,
  step_stdio,
  step_listen,
  step_close,
  step_chdir,
  step_limits,
  step_caps,
  step_setgroups,
  step_setgid,
  step_setuid,
  step_nnp,
  step_exec
};

[[noreturn]] void child_fail(int report_fd, int step) {
  const ChildFailure failure{step, errno};
  [[maybe_unused]] auto written = write(report_fd, &failure, sizeof failure);
  _exit(127);
}

// Writes the decimal pid into a buffer reserved before fork (no allocation
// between fork and exec).
void format_pid(char* out, std::size_t size, pid_t pid) {
  auto [end, ec] = std::to_chars(out, out + size - 1, pid);
  *end = '\0';
  (void)ec;
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void child_main(const SpawnRequest& r, char* const* argv, char* const* envp,
                             char* listen_pid_value, std::size_t listen_pid_size, int null_fd,
                             int report_fd, int last_cap) {
  // Signals arrive blocked (see spawn_service): handlers back to the default
  // first, then the empty mask a service expects, as tini does.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (setsid() < 0) child_fail(report_fd, step_setsid);

  if (dup2(null_fd, 0) < 0 || dup2(r.output_fd, 1) < 0 || dup2(r.output_fd, 2) < 0) {
    child_fail(report_fd, step_stdio);
  }
  // Move the sockets above their targets first so that placing one at 3+i
  // never overwrites another still to be placed.
  const int count = static_cast<int>(r.listen_fds.size());
  int moved[64];
  for (int i = 0; i < count && i < 64; ++i) {
    moved[i] = fcntl(r.listen_fds[i], F_DUPFD_CLOEXEC, 3 + count);
    if (moved[i] < 0) child_fail(report_fd, step_listen);
  }
  for (int i = 0; i < count && i < 64; ++i) {
    if (dup2(moved[i], 3 + i) < 0) child_fail(report_fd, step_listen);  // clears CLOEXEC
  }
  // Everything else closes at exec; the report pipe must stay open until then.
  if (close_range(3 + count, ~0U, CLOSE_RANGE_CLOEXEC) < 0) child_fail(report_fd, step_close);
  if (chdir("/") < 0) child_fail(report_fd, step_chdir);
  // Before the uid changes: raising a hard limit needs root.
  for (const auto& limit : r.limits) {
    const rlimit value{static_cast<rlim_t>(limit.soft), static_cast<rlim_t>(limit.hard)};
    if (setrlimit(static_cast<__rlimit_resource_t>(limit.resource), &value) < 0) {
      child_fail(report_fd, step_limits);
    }
  }

  if (r.credentials) {
    for (int cap = 0; cap <= last_cap; ++cap) {
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
        child_fail(report_fd, step_caps);
      }
    }
    const gid_t gid = r.credentials->gid;
    if (setgroups(1, &gid) < 0) child_fail(report_fd, step_setgroups);
    if (setgid(gid) < 0) child_fail(report_fd, step_setgid);
    // From root to another uid the kernel clears every capability set.
    if (setuid(r.credentials->uid) < 0) child_fail(report_fd, step_setuid);
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) child_fail(report_fd, step_nnp);
  if (listen_pid_value != nullptr) format_pid(listen_pid_value, listen_pid_size, getpid());
  execve(argv[0], argv, envp);
  child_fail(report_fd, step_exec);
}

int last_capability() {
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 63;
  char text[16] = {};
  const auto n = read(fd, text, sizeof text - 1);
  close(fd);
  int value = 63;
  if (n > 0) std::from_chars(text, text + n, value);
  return value;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

}  // namespace

common::Result<pid_t> spawn_service(const SpawnRequest& r) {
  if (r.argv.empty()) return common::fail(Error::Kind::invalid_input, "empty argv");
  if (r.listen_fds.size() > 64) return common::fail(Error::Kind::invalid_input, "too many sockets");

  // Everything the child needs is built here, before fork.
  std::vector<std::string> environment = r.environment;
  std::size_t listen_pid_index = environment.size();
  if (!r.listen_fds.empty()) {
    std::string names;
    for (const auto& name : r.listen_names) names += (names.empty() ? "" : ":") + name;
    environment.push_back("LISTEN_PID=" + std::string(16, '\0'));
    environment.push_back("LISTEN_FDS=" + std::to_string(r.listen_fds.size()));
    environment.push_back("LISTEN_FDNAMES=" + names);
  }
  std::vector<char*> argv;
  for (const auto& a : r.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  char* listen_pid_value = nullptr;
  if (!r.listen_fds.empty()) listen_pid_value = environment[listen_pid_index].data() + 11;

  Fd null_fd(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null_fd.get() < 0) {
    return common::fail(Error::Kind::environment,
                        std::string("unable to open /dev/null: ") + std::strerror(errno));
  }
  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) {
    return common::fail(Error::Kind::environment,
                        std::string("unable to create pipe: ") + std::strerror(errno));
  }
  Fd report_read(report[0]);
  Fd report_write(report[1]);
  const int last_cap = last_capability();

  // Every signal blocked across fork: init's handlers (asio's signal_set
  // writes to a pipe it shares with the child) must not run in the child
  // before it has reset them.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = fork();
  if (pid == 0) {
    child_main(r, argv.data(), envp.data(), listen_pid_value, 16, null_fd.get(), report_write.get(),
               last_cap);
  }
  const int fork_error = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) {
    return common::fail(Error::Kind::environment,
                        std::string("unable to fork: ") + std::strerror(fork_error));
  }
  report_write.reset();
  ChildFailure failure{};
  ssize_t n;
  do {
    n = read(report_read.get(), &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    // The child exits 127 at once; the reaper collects it like any other.
    const char* step = failure.step >= 0 && failure.step <= step_exec ? kSteps[failure.step] : "?";
    return common::fail(Error::Kind::environment, std::string("unable to ") + step + " for " +
                                                      r.argv[0] + ": " +
                                                      std::strerror(failure.error));
  }
  return pid;
}

common::Result<Credentials> resolve_credentials(const std::string& user, const std::string& group) {
  Credentials credentials;
  // A numeric id is taken as is (what the image's passwd file would say).
  auto number = [](const std::string& s) -> std::optional<unsigned> {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
  };
  if (auto id = number(user)) {
    credentials.uid = *id;
    credentials.gid = *id;
  } else {
    const passwd* entry = getpwnam(user.c_str());
    if (entry == nullptr) {
      return common::fail(Error::Kind::environment, "unable to find user '" + user + "'");
    }
    credentials.uid = entry->pw_uid;
    credentials.gid = entry->pw_gid;
  }
  if (group.empty()) return credentials;
  if (auto id = number(group)) {
    credentials.gid = *id;
    return credentials;
  }
  const struct group* entry = getgrnam(group.c_str());
  if (entry == nullptr) {
    return common::fail(Error::Kind::environment, "unable to find group '" + group + "'");
  }
  credentials.gid = entry->gr_gid;
  return credentials;
}

}  // namespace init
