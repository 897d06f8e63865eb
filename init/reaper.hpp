#pragma once
// Collects every child that exits: the services' main processes and any
// orphan the kernel re-parents to init (PID 1, or a subreaper), so that no
// zombie outlives its parent.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>

namespace init {

class Reaper {
 public:
  using Handler = std::function<void(pid_t pid, int wait_status)>;
  Reaper(boost::asio::io_context& io, Handler handler);
  // Reaps whatever has exited now (also called once at start, for children
  // that exited before the signal handler existed).
  void reap();

 private:
  void wait();
  boost::asio::signal_set signals_;
  Handler handler_;
};

// PR_SET_CHILD_SUBREAPER: orphans below us come to us instead of PID 1.
bool become_subreaper();

}  // namespace init
