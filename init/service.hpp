#pragma once
// One supervised service as an explicit state machine (after s6-supervise):
// the transition function decides, the supervisor carries out the actions it
// returns (spawn, signal, timers). Keeping side effects out of transition()
// makes every rule readable in one place.
//
//   waiting --deps_ready--> starting --ready--> running
//   starting/running --exited--> backoff --timer--> waiting   (restart policy)
//                            \--> stopped                      (policy, or stop wanted)
//   starting/running --stop--> stopping --exited--> stopped
//   starting --timer (ready timeout)--> stopping --exited--> backoff (a failure)
//   stopping --timer--> stopping (SIGKILL sent)

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "common/backoff.hpp"
#include "init/service_table.hpp"

namespace init {

using Clock = std::chrono::steady_clock;

enum class State { waiting, starting, running, stopping, backoff, stopped };
std::string_view state_name(State state);

enum class Input {
  deps_ready,    // every dependency is running: start now
  spawned,       // the process exists (pid set by the supervisor)
  spawn_failed,  // fork/exec or preparation failed
  ready,         // READY=1 from the main pid
  exited,        // the main pid was reaped (wait status given)
  timer,         // the service's one timer fired (ready, back-off or stop timeout)
  stop,          // shutdown or the end of the service's life
  restart,       // control socket: stop if running, then start again
};

struct Action {
  enum class Kind { spawn, signal, arm_timer, cancel_timer };
  Kind kind;
  int signal = 0;
  std::chrono::milliseconds delay{0};
};

struct Service {
  explicit Service(const ServiceSpec& s)
      : spec(&s), backoff(s.backoff_initial, s.backoff_max, 2.0, /*jitter=*/false) {}

  const ServiceSpec* spec;
  State state = State::waiting;
  pid_t pid = 0;
  unsigned restarts = 0;
  std::optional<int> last_wait_status;
  Clock::time_point started_at{};
  common::Backoff backoff;       // no jitter: one machine, and the gaps stay predictable
  bool stop_wanted = false;      // shutting down: never start again
  bool restart_pending = false;  // a requested restart waits for the exit
  bool killed = false;           // SIGKILL sent after the stop timeout
  bool ready_timed_out = false;  // being stopped for missing its ready timeout
};

// Applies one input; returns what the supervisor must do, in order.
// `wait_status` is meaningful for Input::exited only.
std::vector<Action> transition(Service& service, Input input, Clock::time_point now,
                               int wait_status = 0);

}  // namespace init
