#include "init/service.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <array>

namespace init {
namespace {

std::vector<Action> arm(std::chrono::milliseconds delay) {
  return {Action{Action::Kind::arm_timer, 0, delay}};
}

bool succeeded(int wait_status) { return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0; }

// The main process is gone: decide between stopping for good, an immediate
// start (requested restart) and a spaced restart.
std::vector<Action> after_exit(Service& s, Clock::time_point now) {
  s.pid = 0;
  if (s.stop_wanted) {
    s.state = State::stopped;
    return {Action{Action::Kind::cancel_timer}};
  }
  if (s.restart_pending) {
    s.restart_pending = false;
    s.backoff.reset();
    ++s.restarts;
    s.state = State::waiting;
    return {Action{Action::Kind::cancel_timer}};
  }
  const RestartPolicy policy = s.spec->restart;
  // A missed ready timeout is a failure however the process then exited.
  const bool clean_exit =
      !s.ready_timed_out && s.last_wait_status && succeeded(*s.last_wait_status);
  if (policy == RestartPolicy::never || (policy == RestartPolicy::on_failure && clean_exit)) {
    s.state = State::stopped;
    return {};
  }
  // A service that ran long enough was healthy: its next failure starts the
  // back-off from the beginning again.
  if (s.started_at != Clock::time_point{} && now - s.started_at >= s.spec->stable) {
    s.backoff.reset();
  }
  s.state = State::backoff;
  return arm(s.backoff.next());
}

std::vector<Action> begin_stop(Service& s) {
  s.state = State::stopping;
  return {Action{Action::Kind::signal, s.spec->stop_signal},
          Action{Action::Kind::arm_timer, 0, s.spec->stop_timeout}};
}

}  // namespace

std::string_view state_name(State state) {
  static constexpr std::array<std::string_view, 6> names = {"waiting",  "starting", "running",
                                                            "stopping", "backoff",  "stopped"};
  return names.at(static_cast<std::size_t>(state));
}

std::vector<Action> transition(Service& s, Input input, Clock::time_point now, int wait_status) {
  switch (input) {
    case Input::deps_ready:
      if (s.state != State::waiting || s.stop_wanted) return {};
      s.state = State::starting;
      s.killed = false;
      s.ready_timed_out = false;
      return {Action{Action::Kind::spawn}};

    case Input::spawned:
      if (s.state != State::starting) return {};
      s.started_at = now;
      if (s.spec->readiness == Readiness::none) {
        s.state = State::running;
        return {};
      }
      if (s.spec->ready_timeout > std::chrono::milliseconds(0)) return arm(s.spec->ready_timeout);
      return {};

    case Input::spawn_failed:
      s.last_wait_status.reset();
      s.started_at = Clock::time_point{};
      return after_exit(s, now);

    case Input::ready:
      if (s.state != State::starting) return {};
      s.state = State::running;
      return {Action{Action::Kind::cancel_timer}};

    case Input::exited:
      s.last_wait_status = wait_status;
      if (s.state == State::stopping) {
        s.pid = 0;
        if ((s.restart_pending || s.ready_timed_out) && !s.stop_wanted) return after_exit(s, now);
        s.state = State::stopped;
        return {Action{Action::Kind::cancel_timer}};
      }
      if (s.state == State::starting || s.state == State::running) return after_exit(s, now);
      return {};

    case Input::timer:
      if (s.state == State::backoff) {
        ++s.restarts;
        s.state = State::waiting;
        return {};
      }
      if (s.state == State::starting) {  // the ready timeout
        s.ready_timed_out = true;
        return begin_stop(s);
      }
      if (s.state == State::stopping && !s.killed) {
        s.killed = true;
        return {Action{Action::Kind::signal, SIGKILL}};
      }
      return {};

    case Input::stop:
      s.stop_wanted = true;
      s.restart_pending = false;
      if (s.state == State::starting || s.state == State::running) return begin_stop(s);
      if (s.state == State::waiting || s.state == State::backoff) {
        s.state = State::stopped;
        return {Action{Action::Kind::cancel_timer}};
      }
      return {};

    case Input::restart:
      if (s.stop_wanted) return {};
      if (s.state == State::starting || s.state == State::running) {
        s.restart_pending = true;
        return begin_stop(s);
      }
      if (s.state == State::stopping) {
        s.restart_pending = true;
        return {};
      }
      if (s.state == State::backoff || s.state == State::stopped) {
        s.backoff.reset();
        ++s.restarts;
        s.state = State::waiting;
        return {Action{Action::Kind::cancel_timer}};
      }
      return {};
  }
  return {};
}

}  // namespace init
