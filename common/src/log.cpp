#include "common/log.hpp"

#include <errno.h>  // program_invocation_short_name (GNU)
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>

namespace common::log {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 6> kSeverityNames = {"DEBUG",   "INFO",  "NOTICE",
                                                            "WARNING", "ERROR", "CRITICAL"};

std::string_view severity_name(Severity severity) {
  return kSeverityNames.at(static_cast<std::size_t>(severity));
}

// APPLIANCE_LOG_LEVEL=debug|info|notice|warning|error|critical (any case);
// anything else keeps the default, info.
Severity severity_from_env() {
  const char* text = std::getenv("APPLIANCE_LOG_LEVEL");
  if (text == nullptr) return Severity::info;
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (upper == kSeverityNames[i]) return static_cast<Severity>(i);
  }
  return Severity::info;
}

std::atomic<int> g_min_severity{static_cast<int>(severity_from_env())};

std::mutex g_component_mutex;
// Until main() names it, a process is called by its program name.
std::string& component_storage() {
  static std::string component = program_invocation_short_name;
  return component;
}

std::string current_component() {
  std::lock_guard lock(g_component_mutex);
  return component_storage();
}

// Never throws: invalid UTF-8 in a message or a field is replaced.
std::string dump(const json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

bool reserved(std::string_view key) {
  return key == "severity" || key == "component" || key == "event" || key == "message";
}

// One write(2) for the whole line: lines from several threads (or several
// processes sharing the console pipe, up to PIPE_BUF) never interleave.
void write_all(const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere left to report a logging failure
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

void set_component(std::string component) {
  std::lock_guard lock(g_component_mutex);
  component_storage() = std::move(component);
}

void set_min_severity(Severity severity) { g_min_severity = static_cast<int>(severity); }

std::string format_line(Severity severity, Event event, std::string_view message, Fields fields) {
  // Built by hand so that the Cloud Logging fields come first, in a fixed
  // order, before the free fields in the caller's order.
  std::string line = "{\"severity\":";
  line += dump(json(severity_name(severity)));
  line += ",\"component\":";
  line += dump(json(current_component()));
  line += ",\"event\":";
  line += dump(json(event.name));
  line += ",\"message\":";
  line += dump(json(message));
  for (const auto& [key, value] : fields) {
    line += ',';
    // A free field must not shadow the fixed ones that log routers read.
    line += dump(json(reserved(key) ? "field_" + std::string(key) : std::string(key)));
    line += ':';
    line += value.secret() ? std::string("\"[redacted]\"") : dump(value.json());
  }
  line += "}\n";
  return line;
}

void write(Severity severity, Event event, std::string_view message, Fields fields) {
  if (static_cast<int>(severity) < g_min_severity.load(std::memory_order_relaxed)) return;
  write_all(format_line(severity, event, message, fields));
}

}  // namespace common::log
