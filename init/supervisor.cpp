#include "init/supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/listen_fds.hpp"
#include "common/log.hpp"
#include "init/meminfo.hpp"
#include "init/output_capture.hpp"
#include "init/power.hpp"
#include "init/service_access.hpp"
#include "init/spawn.hpp"

namespace init {
namespace log = common::log;

namespace {

common::json exit_json(const std::optional<int>& wait_status) {
  if (!wait_status) return nullptr;
  if (WIFSIGNALED(*wait_status)) return {{"signal", WTERMSIG(*wait_status)}};
  return {{"code", WEXITSTATUS(*wait_status)}};
}

bool message_has_line(std::string_view message, std::string_view wanted) {
  std::size_t start = 0;
  while (start <= message.size()) {
    auto end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    if (message.substr(start, end - start) == wanted) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

Supervisor::Supervisor(boost::asio::io_context& io, const ServiceTable& table,
                       std::string runtime_dir)
    : io_(io), table_(table), runtime_dir_(std::move(runtime_dir)), stop_deadline_(io) {
  for (const auto& spec : table_.services) slots_.push_back(std::make_unique<Slot>(io_, spec));
  // From here on an escaped exception must end the machine in order, not
  // kill PID 1 (which panics the kernel).
  install_terminate_handler(table_.settings.on_failure);
}

Supervisor::~Supervisor() {
  for (auto& slot : slots_) {
    for (int fd : slot->listen_fds) ::close(fd);
  }
}

common::Status Supervisor::open() {
  const std::string dir = runtime_dir_ + "/init";
  if (mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) {
    return common::fail(common::Error::Kind::environment,
                        "unable to create " + dir + ": " + std::strerror(errno));
  }
  auto notify = NotifySocket::open(io_, dir + "/notify.sock",
                                   [this](pid_t pid, std::string_view m) { on_notify(pid, m); });
  if (!notify) return std::unexpected(notify.error());
  notify_ = std::move(*notify);
  // Bound once for init's lifetime: a restarting service refuses no
  // connection, and an unprivileged one needs no right to bind port 443.
  for (auto& slot : slots_) {
    for (const auto& listen : slot->service.spec->sockets) {
      auto fd = common::bind_tcp_listener(listen.host, listen.port);
      if (!fd) {
        return std::unexpected(common::wrap(fd.error(), "unable to bind " + listen.host + ":" +
                                                            std::to_string(listen.port) + " for " +
                                                            slot->service.spec->name));
      }
      slot->listen_fds.push_back(*fd);
    }
  }
  return {};
}

void Supervisor::start_services() {
  started_ = true;
  evaluate();
}

Supervisor::Slot* Supervisor::find(const std::string& name) {
  for (auto& slot : slots_) {
    if (slot->service.spec->name == name) return slot.get();
  }
  return nullptr;
}

bool Supervisor::dependents_stopped(const Slot& slot) const {
  for (const auto& other : slots_) {
    const auto& after = other->service.spec->after;
    if (std::find(after.begin(), after.end(), slot.service.spec->name) != after.end() &&
        other->service.state != State::stopped) {
      return false;
    }
  }
  return true;
}

// Re-examines every service after any change: starts those whose
// dependencies are running; in shutdown, stops those nothing depends on any
// more (reverse dependency order falls out of this rule).
void Supervisor::evaluate() {
  if (evaluating_) return;  // feed() below re-enters; the outer loop repeats
  evaluating_ = true;
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto& slot : slots_) {
      Service& s = slot->service;
      if (shutting_down_) {
        if (s.state != State::stopped && s.state != State::stopping && dependents_stopped(*slot)) {
          feed(*slot, Input::stop);
          changed = true;
        }
        continue;
      }
      if (!started_ || s.state != State::waiting) continue;
      const bool deps_running =
          std::all_of(s.spec->after.begin(), s.spec->after.end(), [&](const std::string& name) {
            const Slot* dep = find(name);
            return dep && dep->service.state == State::running;
          });
      if (deps_running) {
        feed(*slot, Input::deps_ready);
        changed = true;
      }
    }
  }
  evaluating_ = false;
  if (shutting_down_ && std::all_of(slots_.begin(), slots_.end(), [](const auto& slot) {
        return slot->service.state == State::stopped;
      })) {
    finish_shutdown();
  }
}

void Supervisor::finish_shutdown() {
  if (!on_all_stopped_) return;
  stop_deadline_.cancel();
  auto done = std::move(on_all_stopped_);
  on_all_stopped_ = nullptr;
  boost::asio::post(io_, std::move(done));
}

void Supervisor::deadline_passed() {
  if (!on_all_stopped_) return;
  common::json left = common::json::array();
  for (auto& slot : slots_) {
    const Service& s = slot->service;
    if (s.state == State::stopped) continue;
    left.push_back({{"service", s.spec->name}, {"pid", s.pid}});
    if (s.pid > 0) ::kill(-s.pid, SIGKILL);
    if (s.pid > 0) ::kill(s.pid, SIGKILL);
  }
  log::critical(log::Event{"shutdown.deadline_passed"}, "unable to stop every service in time",
                {{"reason", "stop deadline passed"},
                 {"deadline_ms", table_.settings.stop_deadline.count()},
                 {"services", left}});
  finish_shutdown();
}

void Supervisor::feed(Slot& slot, Input input, int wait_status) {
  const State before = slot.service.state;
  const auto actions = transition(slot.service, input, Clock::now(), wait_status);
  // Logged before the actions run: a spawn feeds the machine again, and its
  // own transition is logged by that inner call.
  const State after = slot.service.state;
  if (before != after) {
    log::debug(log::Event{"service.state_changed"}, "service state changed",
               {{"service", slot.service.spec->name},
                {"from", std::string(state_name(before))},
                {"to", std::string(state_name(after))}});
    if (input == Input::timer && before == State::starting) {
      log::warning(log::Event{"service.not_ready"}, "unable to see the service ready in time",
                   {{"service", slot.service.spec->name},
                    {"ready_timeout_ms", slot.service.spec->ready_timeout.count()}});
    }
    if (after == State::running) {
      log::info(log::Event{"service.ready"}, "service ready",
                {{"service", slot.service.spec->name}, {"pid", slot.service.pid}});
      log_if_all_ready();
    }
    if (after == State::stopped) {
      log::info(log::Event{"service.stopped"}, "service stopped",
                {{"service", slot.service.spec->name},
                 {"last_exit", exit_json(slot.service.last_wait_status)}});
    }
  }
  for (const auto& action : actions) perform(slot, action);
}

void Supervisor::log_if_all_ready() const {
  const bool all = std::all_of(slots_.begin(), slots_.end(), [](const auto& slot) {
    return slot->service.state == State::running;
  });
  if (!all) return;
  // The figure operators want from a 1 GiB e2-micro: what is left once up.
  if (auto memory = read_meminfo()) {
    log::notice(log::Event{"services.ready"}, "all services ready",
                {{"services", slots_.size()},
                 {"mem_total_kib", memory->total_kib},
                 {"mem_available_kib", memory->available_kib}});
  } else {
    log::notice(log::Event{"services.ready"}, "all services ready", {{"services", slots_.size()}});
  }
}

void Supervisor::perform(Slot& slot, const Action& action) {
  Service& s = slot.service;
  switch (action.kind) {
    case Action::Kind::spawn:
      spawn(slot);
      return;
    case Action::Kind::signal:
      if (s.pid <= 0) return;
      if (action.signal == SIGKILL) {
        log::warning(
            log::Event{"service.killed"}, "unable to stop service in time",
            {{"service", s.spec->name}, {"pid", s.pid}, {"reason", "stop timeout; SIGKILL sent"}});
        ::kill(-s.pid, SIGKILL);  // its whole process group (setsid in spawn)
      }
      ::kill(s.pid, action.signal);
      return;
    case Action::Kind::arm_timer: {
      const unsigned generation = ++slot.timer_generation;
      if (s.state == State::backoff) {
        log::info(log::Event{"service.restart_scheduled"}, "restart scheduled",
                  {{"service", s.spec->name}, {"delay_ms", action.delay.count()}});
      }
      slot.timer.expires_after(action.delay);
      slot.timer.async_wait([this, &slot, generation](const boost::system::error_code& error) {
        if (error || generation != slot.timer_generation) return;
        feed(slot, Input::timer);
        evaluate();
      });
      return;
    }
    case Action::Kind::cancel_timer:
      ++slot.timer_generation;
      slot.timer.cancel();
      return;
  }
}

void Supervisor::spawn(Slot& slot) {
  const ServiceSpec& spec = *slot.service.spec;
  std::optional<Credentials> credentials;
  auto fail = [&](const common::Error& error) {
    log::error(log::Event{"service.start_failed"}, "unable to start service",
               {{"service", spec.name}, {"reason", error.message}});
    feed(slot, Input::spawn_failed);
  };
  if (!spec.user.empty()) {
    if (geteuid() == 0) {
      auto resolved = resolve_credentials(spec.user, spec.group);
      if (!resolved) return fail(resolved.error());
      credentials = *resolved;
    } else {
      // A development run as an ordinary user: everything runs as that user.
      log::debug(log::Event{"service.user_kept"}, "service keeps init's user",
                 {{"service", spec.name}});
    }
  }
  if (auto access = prepare_service_access(spec, credentials, runtime_dir_); !access) {
    return fail(access.error());
  }
  SpawnRequest request;
  request.argv = spec.argv;
  request.environment = spec.environment;
  for (const auto& name : spec.pass) {
    if (const char* value = std::getenv(name.c_str()))
      request.environment.push_back(name + "=" + value);
  }
  request.environment.push_back("NOTIFY_SOCKET=" + notify_->path());
  request.credentials = credentials;
  request.limits = spec.limits;
  request.listen_fds = slot.listen_fds;
  for (const auto& listen : spec.sockets) request.listen_names.push_back(listen.name);

  int output[2];
  if (pipe2(output, O_CLOEXEC) < 0) {
    return fail({common::Error::Kind::environment,
                 std::string("unable to create pipe: ") + std::strerror(errno)});
  }
  request.output_fd = output[1];
  auto pid = spawn_service(request);
  ::close(output[1]);
  slot.output = capture_output(io_, spec.name, output[0]);
  if (!pid) return fail(pid.error());
  slot.service.pid = *pid;
  log::info(log::Event{"service.started"}, "service started",
            {{"service", spec.name}, {"pid", *pid}});
  feed(slot, Input::spawned);
}

bool Supervisor::child_exited(pid_t pid, int wait_status) {
  for (auto& slot : slots_) {
    if (slot->service.pid != pid) continue;
    if (slot->output) slot->output->forward_pending();
    if (WIFSIGNALED(wait_status)) {
      log::notice(
          log::Event{"service.exited"}, "service exited",
          {{"service", slot->service.spec->name}, {"pid", pid}, {"signal", WTERMSIG(wait_status)}});
    } else {
      log::notice(log::Event{"service.exited"}, "service exited",
                  {{"service", slot->service.spec->name},
                   {"pid", pid},
                   {"code", WEXITSTATUS(wait_status)}});
    }
    feed(*slot, Input::exited, wait_status);
    evaluate();
    return true;
  }
  return false;
}

void Supervisor::on_notify(pid_t sender, std::string_view message) {
  for (auto& slot : slots_) {
    if (slot->service.pid != sender) continue;
    // What the service printed before it said READY belongs before "service ready".
    if (slot->output) slot->output->forward_pending();
    if (message_has_line(message, "READY=1")) {
      feed(*slot, Input::ready);
      evaluate();
    }
    return;
  }
  log::debug(log::Event{"notify.unknown_sender"}, "notify message from an unknown process",
             {{"pid", sender}});
}

void Supervisor::shutdown(std::function<void()> done) {
  if (shutting_down_) return;
  log::notice(log::Event{"services.stopping"}, "stopping services");
  shutting_down_ = true;
  on_all_stopped_ = std::move(done);
  stop_deadline_.expires_after(table_.settings.stop_deadline);
  stop_deadline_.async_wait([this](const boost::system::error_code& error) {
    if (!error) deadline_passed();
  });
  evaluate();
}

common::contract::InitStatus Supervisor::status() const {
  common::contract::InitStatus status;
  const auto now = Clock::now();
  for (const auto& slot : slots_) {
    const Service& s = slot->service;
    const bool alive = s.pid > 0;
    common::contract::ServiceStatus entry;
    entry.name = s.spec->name;
    entry.state = std::string(state_name(s.state));
    entry.pid = s.pid;
    entry.restarts = s.restarts;
    if (s.last_wait_status && WIFSIGNALED(*s.last_wait_status)) {
      entry.last_exit_signal = WTERMSIG(*s.last_wait_status);
    } else if (s.last_wait_status) {
      entry.last_exit_code = WEXITSTATUS(*s.last_wait_status);
    }
    entry.uptime_seconds =
        alive ? std::chrono::duration_cast<std::chrono::seconds>(now - s.started_at).count() : 0;
    status.services.push_back(std::move(entry));
  }
  return status;
}

common::Status Supervisor::restart(const std::string& name) {
  Slot* slot = find(name);
  if (slot == nullptr) {
    return common::fail(common::Error::Kind::invalid_input, "no service named '" + name + "'");
  }
  if (shutting_down_) {
    return common::fail(common::Error::Kind::environment, "unable to restart: shutting down");
  }
  log::notice(log::Event{"service.restart_requested"}, "restart requested", {{"service", name}});
  feed(*slot, Input::restart);
  evaluate();
  return {};
}

}  // namespace init
