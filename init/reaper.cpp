#include "init/reaper.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

namespace init {

Reaper::Reaper(boost::asio::io_context& io, Handler handler)
    : signals_(io, SIGCHLD), handler_(std::move(handler)) {
  wait();
}

void Reaper::wait() {
  signals_.async_wait([this](const boost::system::error_code& error, int) {
    if (error) return;
    reap();
    wait();
  });
}

void Reaper::reap() {
  // One SIGCHLD may stand for many exits: loop until nothing is left.
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    handler_(pid, status);
  }
}

bool become_subreaper() { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

}  // namespace init
