#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "init/service.hpp"

namespace {

using namespace std::chrono_literals;
using init::Action;
using init::Input;
using init::State;

int exit_status(int code) { return code << 8; }   // as waitpid reports exit(code)
int signal_status(int signal) { return signal; }  // as waitpid reports a kill

init::ServiceSpec spec(init::Readiness readiness = init::Readiness::notify) {
  init::ServiceSpec s;
  s.name = "svc";
  s.argv = {"/bin/true"};
  s.readiness = readiness;
  s.backoff_initial = 100ms;
  s.backoff_max = 1s;
  s.stable = 10s;
  s.stop_timeout = 2s;
  return s;
}

bool has(const std::vector<Action>& actions, Action::Kind kind) {
  for (const auto& a : actions) {
    if (a.kind == kind) return true;
  }
  return false;
}

std::chrono::milliseconds delay_of(const std::vector<Action>& actions) {
  for (const auto& a : actions) {
    if (a.kind == Action::Kind::arm_timer) return a.delay;
  }
  return -1ms;
}

TEST(ServiceState, StartsWaitsForReadyAndRuns) {
  auto s_spec = spec();
  init::Service s(s_spec);
  const auto now = init::Clock::now();
  EXPECT_TRUE(has(init::transition(s, Input::deps_ready, now), Action::Kind::spawn));
  EXPECT_EQ(s.state, State::starting);
  init::transition(s, Input::spawned, now);
  EXPECT_EQ(s.state, State::starting);
  init::transition(s, Input::ready, now);
  EXPECT_EQ(s.state, State::running);
}

TEST(ServiceState, MissedReadyTimeoutStopsAndRestartsAsAFailure) {
  auto s_spec = spec();
  s_spec.ready_timeout = 500ms;
  s_spec.restart = init::RestartPolicy::on_failure;
  init::Service s(s_spec);
  const auto now = init::Clock::now();
  init::transition(s, Input::deps_ready, now);
  s.pid = 42;
  EXPECT_EQ(delay_of(init::transition(s, Input::spawned, now)), 500ms);
  auto stop = init::transition(s, Input::timer, now + 500ms);
  EXPECT_EQ(s.state, State::stopping);
  ASSERT_FALSE(stop.empty());
  EXPECT_EQ(stop.front().kind, Action::Kind::signal);
  EXPECT_EQ(stop.front().signal, SIGTERM);
  EXPECT_EQ(delay_of(stop), 2s);  // the stop timeout
  // Even a clean exit on SIGTERM counts as a failure here: back off, restart.
  auto after = init::transition(s, Input::exited, now + 600ms, exit_status(0));
  EXPECT_EQ(s.state, State::backoff);
  EXPECT_EQ(delay_of(after), 100ms);
  init::transition(s, Input::timer, now + 700ms);
  EXPECT_EQ(s.state, State::waiting);
  EXPECT_EQ(s.restarts, 1U);
}

TEST(ServiceState, ReadyInTimeCancelsTheReadyTimer) {
  auto s_spec = spec();
  s_spec.ready_timeout = 500ms;
  init::Service s(s_spec);
  const auto now = init::Clock::now();
  init::transition(s, Input::deps_ready, now);
  init::transition(s, Input::spawned, now);
  EXPECT_TRUE(has(init::transition(s, Input::ready, now + 100ms), Action::Kind::cancel_timer));
  EXPECT_EQ(s.state, State::running);
  EXPECT_TRUE(init::transition(s, Input::timer, now + 500ms).empty());  // a stale timer
  EXPECT_EQ(s.state, State::running);
}

TEST(ServiceState, WithoutReadyTimeoutWaitsForever) {
  auto s_spec = spec();
  init::Service s(s_spec);
  const auto now = init::Clock::now();
  init::transition(s, Input::deps_ready, now);
  EXPECT_FALSE(has(init::transition(s, Input::spawned, now), Action::Kind::arm_timer));
}

TEST(ServiceState, WithoutReadinessRunsOnceSpawned) {
  auto s_spec = spec(init::Readiness::none);
  init::Service s(s_spec);
  init::transition(s, Input::deps_ready, init::Clock::now());
  init::transition(s, Input::spawned, init::Clock::now());
  EXPECT_EQ(s.state, State::running);
}

TEST(ServiceState, BackOffDoublesUpToTheMaximumAndResetsAfterAStablePeriod) {
  auto s_spec = spec(init::Readiness::none);
  init::Service s(s_spec);
  auto now = init::Clock::now();
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 6; ++i) {
    init::transition(s, Input::deps_ready, now);
    init::transition(s, Input::spawned, now);
    const auto actions = init::transition(s, Input::exited, now + 10ms, signal_status(SIGKILL));
    EXPECT_EQ(s.state, State::backoff);
    delays.push_back(delay_of(actions));
    init::transition(s, Input::timer, now);
    EXPECT_EQ(s.state, State::waiting);
  }
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms, 1s, 1s}));
  EXPECT_EQ(s.restarts, 6U);
  // Running longer than `stable` before failing starts the back-off over.
  init::transition(s, Input::deps_ready, now);
  init::transition(s, Input::spawned, now);
  EXPECT_EQ(delay_of(init::transition(s, Input::exited, now + 11s, exit_status(1))), 100ms);
}

TEST(ServiceState, RestartPolicies) {
  for (auto [policy, code, expected] :
       {std::tuple{init::RestartPolicy::never, 1, State::stopped},
        std::tuple{init::RestartPolicy::on_failure, 0, State::stopped},
        std::tuple{init::RestartPolicy::on_failure, 3, State::backoff},
        std::tuple{init::RestartPolicy::always, 0, State::backoff}}) {
    auto s_spec = spec(init::Readiness::none);
    s_spec.restart = policy;
    init::Service s(s_spec);
    init::transition(s, Input::deps_ready, init::Clock::now());
    init::transition(s, Input::spawned, init::Clock::now());
    init::transition(s, Input::exited, init::Clock::now(), exit_status(code));
    EXPECT_EQ(s.state, expected) << static_cast<int>(policy) << " exit " << code;
  }
}

TEST(ServiceState, StopSignalsThenKillsAfterTheTimeout) {
  auto s_spec = spec(init::Readiness::none);
  s_spec.stop_signal = SIGINT;
  init::Service s(s_spec);
  init::transition(s, Input::deps_ready, init::Clock::now());
  init::transition(s, Input::spawned, init::Clock::now());
  const auto actions = init::transition(s, Input::stop, init::Clock::now());
  EXPECT_EQ(s.state, State::stopping);
  ASSERT_EQ(actions.size(), 2U);
  EXPECT_EQ(actions[0].kind, Action::Kind::signal);
  EXPECT_EQ(actions[0].signal, SIGINT);
  EXPECT_EQ(delay_of(actions), 2s);
  const auto kill = init::transition(s, Input::timer, init::Clock::now());
  ASSERT_EQ(kill.size(), 1U);
  EXPECT_EQ(kill[0].signal, SIGKILL);
  init::transition(s, Input::exited, init::Clock::now(), signal_status(SIGKILL));
  EXPECT_EQ(s.state, State::stopped);
  // Once stopping for good, nothing starts it again.
  EXPECT_TRUE(init::transition(s, Input::deps_ready, init::Clock::now()).empty());
  EXPECT_EQ(s.state, State::stopped);
}

TEST(ServiceState, StopOfAWaitingServiceIsImmediate) {
  auto s_spec = spec();
  init::Service s(s_spec);
  init::transition(s, Input::stop, init::Clock::now());
  EXPECT_EQ(s.state, State::stopped);
}

TEST(ServiceState, RequestedRestartStopsThenStartsAtOnce) {
  auto s_spec = spec(init::Readiness::none);
  init::Service s(s_spec);
  init::transition(s, Input::deps_ready, init::Clock::now());
  init::transition(s, Input::spawned, init::Clock::now());
  const auto actions = init::transition(s, Input::restart, init::Clock::now());
  EXPECT_TRUE(has(actions, Action::Kind::signal));
  EXPECT_EQ(s.state, State::stopping);
  init::transition(s, Input::exited, init::Clock::now(), signal_status(SIGTERM));
  EXPECT_EQ(s.state, State::waiting);
  EXPECT_EQ(s.restarts, 1U);
}

TEST(ServiceState, SpawnFailureBacksOff) {
  auto s_spec = spec();
  init::Service s(s_spec);
  init::transition(s, Input::deps_ready, init::Clock::now());
  const auto actions = init::transition(s, Input::spawn_failed, init::Clock::now());
  EXPECT_EQ(s.state, State::backoff);
  EXPECT_EQ(delay_of(actions), 100ms);
}

}  // namespace
