#pragma once
// Structured logging: one JSON object per line on stderr, using Cloud Logging
// field names ("severity", "message") plus "component", "event" and free fields.
// init forwards each line to the serial console, which GCP shows.
//
// The grammar (docs/architecture.md, "Log lines"): `event` is a stable dotted
// name ("certificate.issued") that alerts and tests match; `message` is one
// fixed phrase per event for people, "unable to <verb> <object>" for a
// failure, whose cause goes in the field `reason`. Values never go into the
// message: they are fields.

#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace common::log {

enum class Severity { debug, info, notice, warning, error, critical };

// Wrap anything secret; the logger prints "[redacted]" instead of the value.
// Keeping the wrapper type distinct makes leaking a secret a type error away.
struct Secret {
  std::string_view value;
};

class Value {
 public:
  template <class T>
  Value(T&& v) : json_(std::forward<T>(v)) {}  // NOLINT(google-explicit-constructor)
  Value(Secret) : secret_(true) {}              // NOLINT(google-explicit-constructor)
  const nlohmann::json& json() const { return json_; }
  bool secret() const { return secret_; }

 private:
  nlohmann::json json_;
  bool secret_ = false;
};

using Fields = std::initializer_list<std::pair<std::string_view, Value>>;

// What happened, named for machines: "<object>.<what happened to it>", in
// lower case with dots and underscores ("config.rejected", "service.exited").
// Renaming one is an interface change: operators' alerts match it.
struct Event {
  std::string_view name;
};

// Names the process in every line ("authd", "init", ...). Call once in main().
void set_component(std::string component);
void set_min_severity(Severity severity);

// Renders the line without writing it (used by the writer and by tests).
std::string format_line(Severity severity, Event event, std::string_view message, Fields fields);
void write(Severity severity, Event event, std::string_view message, Fields fields = {});

inline void debug(Event e, std::string_view m, Fields f = {}) { write(Severity::debug, e, m, f); }
inline void info(Event e, std::string_view m, Fields f = {}) { write(Severity::info, e, m, f); }
inline void notice(Event e, std::string_view m, Fields f = {}) { write(Severity::notice, e, m, f); }
inline void warning(Event e, std::string_view m, Fields f = {}) {
  write(Severity::warning, e, m, f);
}
inline void error(Event e, std::string_view m, Fields f = {}) { write(Severity::error, e, m, f); }
inline void critical(Event e, std::string_view m, Fields f = {}) {
  write(Severity::critical, e, m, f);
}

}  // namespace common::log
