#include "init/service_table.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

namespace init {
namespace {

using common::Error;
using common::Result;
using common::Status;
using std::chrono::milliseconds;

constexpr std::array<std::pair<std::string_view, int>, 10> kSignals = {{
    {"HUP", 1},
    {"INT", 2},
    {"QUIT", 3},
    {"KILL", 9},
    {"USR1", 10},
    {"USR2", 12},
    {"TERM", 15},
    {"CONT", 18},
    {"STOP", 19},
    {"WINCH", 28},
}};

// Splits a line into words: blanks separate, double quotes group, and inside
// quotes a backslash escapes the next character.
Result<std::vector<std::string>> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i == line.size()) break;
    std::string word;
    bool quoted_word = false;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) {
      if (line[i] != '"') {
        word.push_back(line[i++]);
        continue;
      }
      quoted_word = true;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < line.size()) c = line[i++];
        word.push_back(c);
      }
      if (!closed) return common::fail(Error::Kind::invalid_input, "unterminated quote");
    }
    if (!word.empty() || quoted_word) words.push_back(std::move(word));
  }
  return words;
}

Result<milliseconds> parse_duration(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string_view unit(end, text.data() + text.size() - end);
  if (ec != std::errc() || value < 0 || end == text.data()) {
    return common::fail(Error::Kind::invalid_input,
                        "invalid duration '" + std::string(text) + "' (want e.g. 500ms, 10s, 2m)");
  }
  const std::int64_t per_unit = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : 0;
  if (per_unit == 0) {
    return common::fail(Error::Kind::invalid_input,
                        "invalid duration '" + std::string(text) + "' (want e.g. 500ms, 10s, 2m)");
  }
  // At most a year: a larger count overflowed here (found by tests/fuzz) or
  // later, when the supervisor adds it to a nanosecond clock.
  constexpr std::int64_t kMaxMilliseconds = 365LL * 24 * 3600 * 1000;
  if (value > kMaxMilliseconds / per_unit) {
    return common::fail(Error::Kind::invalid_input,
                        "duration '" + std::string(text) + "' is longer than a year");
  }
  return milliseconds(value * per_unit);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

Result<ListenSpec> parse_listen(const std::vector<std::string>& args) {
  if (args.size() != 3 || args[1] != "tcp") {
    return common::fail(Error::Kind::invalid_input, "socket wants: NAME tcp HOST:PORT");
  }
  ListenSpec spec;
  spec.name = args[0];
  if (!valid_name(spec.name)) {
    return common::fail(Error::Kind::invalid_input, "invalid socket name '" + spec.name + "'");
  }
  const std::string& address = args[2];
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return common::fail(Error::Kind::invalid_input, "socket address must be HOST:PORT");
  }
  spec.host = address.substr(0, colon);
  const std::string_view port_text = std::string_view(address).substr(colon + 1);
  auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), spec.port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || spec.port < 1 ||
      spec.port > 65535) {
    return common::fail(Error::Kind::invalid_input,
                        "invalid port '" + std::string(port_text) + "'");
  }
  return spec;
}

Result<std::string> one_arg(std::string_view keyword, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return common::fail(Error::Kind::invalid_input,
                        std::string(keyword) + " wants exactly one value");
  }
  return args[0];
}

Result<std::string> absolute_path(std::string_view what, const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return common::fail(Error::Kind::invalid_input,
                        std::string(what) + " must be an absolute path, got '" + path + "'");
  }
  return path;
}

Status apply_setting(GlobalSettings& settings, const std::vector<std::string>& args) {
  if (args.empty()) return common::fail(Error::Kind::invalid_input, "set wants a setting name");
  const std::string& key = args[0];
  const std::vector<std::string> values(args.begin() + 1, args.end());
  if (key == "modules" || key == "resolv-conf") {
    auto value = one_arg(key, values);
    if (value) value = absolute_path(key, *value);
    if (!value) return std::unexpected(value.error());
    (key == "modules" ? settings.modules_file : settings.resolv_conf) = *value;
    return {};
  }
  if (key == "network") {
    if (values.size() == 1 && values[0] == "none") {
      settings.network = {NetworkPolicy::Mode::none, ""};
      return {};
    }
    if (values.size() == 2 && values[0] == "dhcp") {
      settings.network = {NetworkPolicy::Mode::dhcp,
                          values[1] == "first-ethernet" ? std::string() : values[1]};
      return {};
    }
    return common::fail(Error::Kind::invalid_input,
                        "network wants 'none' or 'dhcp first-ethernet|INTERFACE'");
  }
  if (key == "stop-deadline") {
    auto text = one_arg(key, values);
    if (!text) return std::unexpected(text.error());
    auto value = parse_duration(*text);
    if (!value) return std::unexpected(value.error());
    if (*value <= milliseconds(0)) {
      return common::fail(Error::Kind::invalid_input, "stop-deadline wants a duration > 0");
    }
    settings.stop_deadline = *value;
    return {};
  }
  if (key == "on-failure") {
    if (values.size() == 1 && values[0] == "poweroff") {
      settings.on_failure = FailurePolicy::poweroff;
    } else if (values.size() == 1 && values[0] == "reboot") {
      settings.on_failure = FailurePolicy::reboot;
    } else {
      return common::fail(Error::Kind::invalid_input, "on-failure wants poweroff or reboot");
    }
    return {};
  }
  return common::fail(Error::Kind::invalid_input, "unknown setting '" + key + "'");
}

using Args = std::vector<std::string>;
using KeywordParser = Status (*)(ServiceSpec&, const Args&);

Status invalid(std::string message) {
  return common::fail(Error::Kind::invalid_input, std::move(message));
}

Status set_string(std::string& target, std::string_view keyword, const Args& args) {
  auto value = one_arg(keyword, args);
  if (!value) return std::unexpected(value.error());
  target = *value;
  return {};
}

Status set_duration(milliseconds& target, std::string_view keyword, const Args& args) {
  auto text = one_arg(keyword, args);
  if (!text) return std::unexpected(text.error());
  auto value = parse_duration(*text);
  if (!value) return std::unexpected(value.error());
  target = *value;
  return {};
}

// One parser per keyword of a service block (docs/init.md, "The service
// table"); each checks its own arguments and fills its part of the spec.

Status parse_exec(ServiceSpec& s, const Args& a) {
  if (a.empty()) return invalid("exec wants a program");
  auto program = absolute_path("exec program", a[0]);
  if (!program) return std::unexpected(program.error());
  s.argv = a;
  return {};
}

Status parse_user(ServiceSpec& s, const Args& a) { return set_string(s.user, "user", a); }

Status parse_group(ServiceSpec& s, const Args& a) { return set_string(s.group, "group", a); }

Status parse_env(ServiceSpec& s, const Args& a) {
  if (a.empty()) return invalid("env wants KEY=VALUE");
  for (const auto& entry : a) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || !valid_env_name(entry.substr(0, eq))) {
      return invalid("env wants KEY=VALUE, got '" + entry + "'");
    }
    s.environment.push_back(entry);
  }
  return {};
}

Status parse_pass(ServiceSpec& s, const Args& a) {
  if (a.empty()) return invalid("pass wants a name");
  for (const auto& name : a) {
    if (!valid_env_name(name)) return invalid("pass wants variable names, got '" + name + "'");
    s.pass.push_back(name);
  }
  return {};
}

Status parse_after(ServiceSpec& s, const Args& a) {
  if (a.empty()) return invalid("after wants names");
  s.after.insert(s.after.end(), a.begin(), a.end());
  return {};
}

Status parse_ready(ServiceSpec& s, const Args& a) {
  if (a.size() == 1 && a[0] == "none") {
    s.readiness = Readiness::none;
    return {};
  }
  if ((a.size() != 1 && a.size() != 2) || a[0] != "notify") {
    return invalid("ready wants notify [TIMEOUT] or none");
  }
  s.readiness = Readiness::notify;
  s.ready_timeout = milliseconds(0);
  if (a.size() == 1) return {};
  auto timeout = parse_duration(a[1]);
  if (!timeout) return std::unexpected(timeout.error());
  if (*timeout <= milliseconds(0)) return invalid("ready notify wants TIMEOUT > 0");
  s.ready_timeout = *timeout;
  return {};
}

Status parse_restart(ServiceSpec& s, const Args& a) {
  static const std::map<std::string, RestartPolicy, std::less<>> policies = {
      {"always", RestartPolicy::always},
      {"on-failure", RestartPolicy::on_failure},
      {"never", RestartPolicy::never}};
  const auto policy = a.size() == 1 ? policies.find(a[0]) : policies.end();
  if (policy == policies.end()) return invalid("restart wants always, on-failure or never");
  s.restart = policy->second;
  return {};
}

Status parse_backoff(ServiceSpec& s, const Args& a) {
  if (a.size() != 2) return invalid("backoff wants INITIAL MAX");
  auto initial = parse_duration(a[0]);
  if (!initial) return std::unexpected(initial.error());
  auto maximum = parse_duration(a[1]);
  if (!maximum) return std::unexpected(maximum.error());
  if (*initial <= milliseconds(0) || *maximum < *initial) {
    return invalid("backoff wants 0 < INITIAL <= MAX");
  }
  s.backoff_initial = *initial;
  s.backoff_max = *maximum;
  return {};
}

Status parse_stable(ServiceSpec& s, const Args& a) { return set_duration(s.stable, "stable", a); }

Status parse_stop(ServiceSpec& s, const Args& a) {
  if (a.size() != 2) return invalid("stop wants SIGNAL TIMEOUT");
  s.stop_signal = parse_signal(a[0]);
  if (s.stop_signal == 0) return invalid("unknown signal '" + a[0] + "'");
  auto timeout = parse_duration(a[1]);
  if (!timeout) return std::unexpected(timeout.error());
  s.stop_timeout = *timeout;
  return {};
}

Status parse_socket(ServiceSpec& s, const Args& a) {
  auto spec = parse_listen(a);
  if (!spec) return std::unexpected(spec.error());
  for (const auto& other : s.sockets) {
    if (other.name == spec->name) return invalid("socket name '" + spec->name + "' used twice");
  }
  s.sockets.push_back(*spec);
  return {};
}

Status parse_grant(ServiceSpec& s, const Args& a) {
  if (a.size() != 2 || (a[1] != "r" && a[1] != "rw")) return invalid("grant wants PATH r|rw");
  auto path = absolute_path("grant path", a[0]);
  if (!path) return std::unexpected(path.error());
  s.grants.push_back({*path, a[1] == "rw"});
  return {};
}

Status parse_copy(ServiceSpec& s, const Args& a) {
  if (a.size() != 2) return invalid("copy wants SOURCE DEST");
  auto source = absolute_path("copy source", a[0]);
  if (!source) return std::unexpected(source.error());
  auto destination = absolute_path("copy destination", a[1]);
  if (!destination) return std::unexpected(destination.error());
  s.copies.push_back({*source, *destination});
  return {};
}

Status parse_rundir(ServiceSpec& s, const Args& a) {
  auto name = one_arg("rundir", a);
  if (!name) return std::unexpected(name.error());
  if (!valid_name(*name)) return invalid("invalid rundir name '" + *name + "'");
  s.run_dirs.push_back(*name);
  return {};
}

Result<std::uint64_t> limit_value(const std::string& text) {
  if (text == "infinity") return std::uint64_t{RLIM_INFINITY};
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return common::fail(Error::Kind::invalid_input,
                        "invalid limit '" + text + "' (want a number or infinity)");
  }
  return value;
}

Status parse_limit(ServiceSpec& s, const Args& a) {
  static const std::map<std::string, int, std::less<>> resources = {
      {"as", RLIMIT_AS},         {"core", RLIMIT_CORE},   {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},     {"fsize", RLIMIT_FSIZE}, {"memlock", RLIMIT_MEMLOCK},
      {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC}, {"stack", RLIMIT_STACK}};
  if (a.size() != 2 && a.size() != 3) return invalid("limit wants NAME SOFT [HARD]");
  const auto resource = resources.find(a[0]);
  if (resource == resources.end()) return invalid("unknown limit '" + a[0] + "'");
  auto soft = limit_value(a[1]);
  if (!soft) return std::unexpected(soft.error());
  auto hard = a.size() == 3 ? limit_value(a[2]) : soft;
  if (!hard) return std::unexpected(hard.error());
  if (*soft > *hard) return invalid("limit wants SOFT <= HARD");
  s.limits.push_back({resource->second, *soft, *hard});
  return {};
}

const std::map<std::string, KeywordParser, std::less<>>& service_keywords() {
  static const std::map<std::string, KeywordParser, std::less<>> table = {
      {"exec", parse_exec},     {"user", parse_user},       {"group", parse_group},
      {"env", parse_env},       {"pass", parse_pass},       {"after", parse_after},
      {"ready", parse_ready},   {"restart", parse_restart}, {"backoff", parse_backoff},
      {"stable", parse_stable}, {"stop", parse_stop},       {"socket", parse_socket},
      {"grant", parse_grant},   {"copy", parse_copy},       {"rundir", parse_rundir},
      {"limit", parse_limit},
  };
  return table;
}

// Orders services so that dependencies come first; rejects unknown names and
// cycles, naming the line of the service that closes the problem.
Result<std::vector<ServiceSpec>> dependency_order(std::vector<ServiceSpec> services,
                                                  std::string_view file_name) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < services.size(); ++i) index[services[i].name] = i;
  auto at_line = [&](const ServiceSpec& s, const std::string& reason) {
    return common::fail(Error::Kind::invalid_input,
                        std::string(file_name) + ":" + std::to_string(s.line) + ": " + reason);
  };
  for (const auto& s : services) {
    for (const auto& dependency : s.after) {
      if (!index.contains(dependency)) {
        return at_line(s, "service '" + s.name + "' is after unknown service '" + dependency + "'");
      }
      if (dependency == s.name) return at_line(s, "service '" + s.name + "' is after itself");
    }
  }
  enum class Mark { none, visiting, done };
  std::vector<Mark> marks(services.size(), Mark::none);
  std::vector<ServiceSpec> ordered;
  std::optional<std::size_t> cycle_at;
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    if (cycle_at || marks[i] == Mark::done) return;
    if (marks[i] == Mark::visiting) {
      cycle_at = i;
      return;
    }
    marks[i] = Mark::visiting;
    for (const auto& dependency : services[i].after) visit(index[dependency]);
    marks[i] = Mark::done;
    ordered.push_back(services[i]);
  };
  for (std::size_t i = 0; i < services.size(); ++i) visit(i);
  if (cycle_at) {
    return at_line(services[*cycle_at],
                   "dependency cycle through service '" + services[*cycle_at].name + "'");
  }
  return ordered;
}

}  // namespace

int parse_signal(std::string_view text) {
  if (text.starts_with("SIG")) text.remove_prefix(3);
  for (const auto& [name, number] : kSignals) {
    if (name == text) return number;
  }
  int number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec == std::errc() && end == text.data() + text.size() && number > 0 && number < 65) {
    return number;
  }
  return 0;
}

std::string_view signal_name(int signal) {
  for (const auto& [name, number] : kSignals) {
    if (number == signal) return name;
  }
  return "?";
}

Result<ServiceTable> parse_service_table(std::string_view text, std::string_view file_name) {
  ServiceTable table;
  std::vector<ServiceSpec> services;
  std::set<std::string> names;
  int line_number = 0;
  auto at_line = [&](int line, const std::string& reason) {
    return common::fail(Error::Kind::invalid_input,
                        std::string(file_name) + ":" + std::to_string(line) + ": " + reason);
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    auto words = split_words(line);
    if (!words) return at_line(line_number, words.error().message);
    // A line of blanks the check above does not know (\v, \f: isspace does)
    // has no words; front() on it was undefined (found by tests/fuzz).
    if (words->empty()) continue;
    const std::string keyword = words->front();
    const Args args(words->begin() + 1, words->end());
    if (keyword == "set") {
      if (auto status = apply_setting(table.settings, args); !status) {
        return at_line(line_number, status.error().message);
      }
      continue;
    }
    if (keyword == "service") {
      if (args.size() != 1 || !valid_name(args[0])) {
        return at_line(line_number, "service wants one name of [a-z0-9_-], at most 32 characters");
      }
      if (!names.insert(args[0]).second) {
        return at_line(line_number, "service '" + args[0] + "' defined twice");
      }
      ServiceSpec spec;
      spec.name = args[0];
      spec.line = line_number;
      services.push_back(std::move(spec));
      continue;
    }
    const auto& keywords = service_keywords();
    const auto handler = keywords.find(keyword);
    if (handler == keywords.end()) {
      return at_line(line_number, "unknown keyword '" + keyword + "'");
    }
    if (services.empty()) {
      return at_line(line_number, "'" + keyword + "' outside a service block");
    }
    if (auto status = handler->second(services.back(), args); !status) {
      return at_line(line_number, status.error().message);
    }
  }
  for (const auto& s : services) {
    if (s.argv.empty()) return at_line(s.line, "service '" + s.name + "' has no exec line");
  }
  auto ordered = dependency_order(std::move(services), file_name);
  if (!ordered) return std::unexpected(ordered.error());
  table.services = std::move(*ordered);
  return table;
}

Result<ServiceTable> load_service_table(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return common::fail(Error::Kind::environment, "unable to read service table " + path);
  }
  std::ostringstream text;
  text << file.rdbuf();
  return parse_service_table(text.str(), path);
}

}  // namespace init
