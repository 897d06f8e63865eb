#pragma once
// Runs the service table: binds the listening sockets, starts services in
// dependency order once their dependencies are ready, restarts them with
// back-off, and stops them in reverse order. Every decision about one service
// is made by transition() (service.hpp); this class only carries it out.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/ipc_contracts.hpp"
#include "common/json.hpp"
#include "init/notify_socket.hpp"
#include "init/output_capture.hpp"
#include "init/service.hpp"
#include "init/service_table.hpp"

namespace init {

class Supervisor {
 public:
  Supervisor(boost::asio::io_context& io, const ServiceTable& table, std::string runtime_dir);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Notify socket and listening sockets; an error here is fatal for init.
  common::Status open();
  void start_services();
  // The reaper hands over every reaped child; returns false if it was not a
  // service's main process (an orphan or a failed spawn).
  bool child_exited(pid_t pid, int wait_status);
  // Stops everything in reverse dependency order, then calls done once; at
  // the table's stop-deadline calls it regardless (after a SIGKILL to what
  // is left), so that a process that cannot die cannot keep the machine up.
  void shutdown(std::function<void()> done);

  common::contract::InitStatus status() const;
  common::Status restart(const std::string& name);

 private:
  struct Slot {
    Slot(boost::asio::io_context& io, const ServiceSpec& spec) : service(spec), timer(io) {}
    Service service;
    boost::asio::steady_timer timer;
    unsigned timer_generation = 0;
    std::vector<int> listen_fds;
    std::shared_ptr<OutputCapture> output;  // of the current run
  };

  void feed(Slot& slot, Input input, int wait_status = 0);
  void perform(Slot& slot, const Action& action);
  void spawn(Slot& slot);
  void evaluate();
  void log_if_all_ready() const;
  void on_notify(pid_t sender, std::string_view message);
  Slot* find(const std::string& name);
  bool dependents_stopped(const Slot& slot) const;
  void finish_shutdown();
  void deadline_passed();

  boost::asio::io_context& io_;
  const ServiceTable& table_;
  std::string runtime_dir_;
  std::vector<std::unique_ptr<Slot>> slots_;  // dependency order
  std::unique_ptr<NotifySocket> notify_;
  bool started_ = false;
  bool shutting_down_ = false;
  std::function<void()> on_all_stopped_;
  boost::asio::steady_timer stop_deadline_;
  bool evaluating_ = false;
};

}  // namespace init
